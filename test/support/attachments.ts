import type { Attachment, ErrorBody } from '@parley/contract';
import type { RunningServer } from '../../apps/server/src/server';

/** Uploads and downloads of attachments (contract §11), as a client makes them. */
export interface Upload {
  status: number;
  body: Attachment & ErrorBody;
}

export async function upload(server: RunningServer, token: string, roomId: string, bytes: Uint8Array, name: string, type = 'application/octet-stream'): Promise<Upload> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type }), name);
  const response = await fetch(`${server.url}/api/rooms/${roomId}/attachments`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  return { status: response.status, body: (await response.json()) as Attachment & ErrorBody };
}

export async function uploaded(server: RunningServer, token: string, roomId: string, bytes: Uint8Array, name: string, type?: string): Promise<Attachment> {
  const result = await upload(server, token, roomId, bytes, name, type);
  if (result.status !== 201) throw new Error(`upload ${name}: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

export async function download(server: RunningServer, path: string, headers: Record<string, string> = {}): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const response = await fetch(`${server.url}${path}`, { headers });
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

