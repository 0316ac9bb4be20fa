import type { Attachment, ErrorBody } from '@parley/contract';
import { ParleyError } from './errors';
import type { FetchLike } from './http';

export interface UploadOptions {
  /** Bytes sent so far and the file's size: as the upload goes in browsers (XMLHttpRequest), at start and end elsewhere. */
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

/** What an upload needs of the client: where, a token, and a refresh after a 401. */
export interface UploadTransport {
  baseUrl: string;
  accessToken(): Promise<string | null>;
  /** Called once on a 401: refresh and retry, or give up (null). */
  recover(): Promise<string | null>;
  fetch?: FetchLike;
}

interface RawResponse {
  status: number;
  text: string;
}

/**
 * Uploads a file to a room (contract §11): multipart, field `file`, with the Blob's name when it is a File.
 * In browsers through XMLHttpRequest, whose upload reports progress; elsewhere through fetch. Resolves with the
 * Attachment (its `url` and `thumbnailUrl` are signed, short-lived and relative to the server); a refusal
 * (`payload_too_large`, `not_found`, …) rejects with ParleyError.
 */
export async function uploadAttachment(transport: UploadTransport, roomId: string, file: Blob, options: UploadOptions = {}): Promise<Attachment> {
  const url = `${transport.baseUrl}/api/rooms/${encodeURIComponent(roomId)}/attachments`;
  const name = typeof (file as { name?: unknown }).name === 'string' ? (file as File).name : 'file';
  let token = await transport.accessToken();
  for (let attempt = 0; ; attempt++) {
    const form = new FormData();
    form.append('file', file, name);
    const response = typeof XMLHttpRequest === 'function' ? await sendWithXhr(url, form, token, file.size, options) : await sendWithFetch(transport, url, form, token, file.size, options);
    if (response.status === 401 && token && attempt === 0) {
      token = await transport.recover();
      if (token) continue;
    }
    return parse(response);
  }
}

function parse(response: RawResponse): Attachment {
  let body: unknown;
  try {
    body = response.text ? JSON.parse(response.text) : undefined;
  } catch {
    body = undefined;
  }
  if (response.status === 201) return body as Attachment;
  const error = (body ?? {}) as Partial<ErrorBody>;
  throw new ParleyError(error.code ?? 'internal', error.message ?? `Upload failed (HTTP ${response.status})`, response.status, error.details);
}

async function sendWithFetch(transport: UploadTransport, url: string, form: FormData, token: string | null, size: number, options: UploadOptions): Promise<RawResponse> {
  const fetchImpl = transport.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init));
  options.onProgress?.(0, size);
  try {
    const response = await fetchImpl(url, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {}, body: form, signal: options.signal });
    const text = await response.text();
    if (response.ok) options.onProgress?.(size, size);
    return { status: response.status, text };
  } catch (error) {
    throw new ParleyError('network', `Cannot reach the server: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function sendWithXhr(url: string, form: FormData, token: string | null, size: number, options: UploadOptions): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (event) => options.onProgress?.(Math.min(event.loaded, size), size);
    xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
    xhr.onerror = () => reject(new ParleyError('network', 'Cannot reach the server'));
    xhr.onabort = () => reject(new ParleyError('network', 'The upload was cancelled'));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    options.onProgress?.(0, size);
    xhr.send(form);
  });
}
