import { uploadAttachment, type UploadTransport } from './attachments';
import { ParleyError } from './errors';

const ATTACHMENT = { id: 'a1', name: 'notes.txt', size: 5, contentType: 'text/plain', url: '/api/attachments/a1?user=u&expires=1&signature=s' };

function transport(responses: Array<{ status: number; body: unknown }>, tokens: { initial: string | null; refreshed: string | null }) {
  const calls: Array<{ url: string; authorization: string | undefined; file: File }> = [];
  let recovered = 0;
  const fake: UploadTransport = {
    baseUrl: 'http://chat.test',
    accessToken: () => Promise.resolve(tokens.initial),
    recover: () => {
      recovered++;
      return Promise.resolve(tokens.refreshed);
    },
    fetch: (url, init) => {
      const form = init?.body as FormData;
      calls.push({ url, authorization: (init?.headers as Record<string, string>).authorization, file: form.get('file') as File });
      const next = responses.shift() ?? { status: 500, body: {} };
      return Promise.resolve(new Response(JSON.stringify(next.body), { status: next.status }));
    },
  };
  return { fake, calls, recovered: () => recovered };
}

describe('uploadAttachment (fetch)', () => {
  it('posts the file as multipart field "file" with its name and the Bearer token, reporting progress at start and end', async () => {
    const { fake, calls } = transport([{ status: 201, body: ATTACHMENT }], { initial: 't1', refreshed: null });
    const progress: Array<[number, number]> = [];
    const file = new File(['hello'], 'notes.txt', { type: 'text/plain' });
    await expect(uploadAttachment(fake, 'room 1', file, { onProgress: (sent, total) => progress.push([sent, total]) })).resolves.toEqual(ATTACHMENT);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ url: 'http://chat.test/api/rooms/room%201/attachments', authorization: 'Bearer t1' });
    expect(calls[0]!.file.name).toBe('notes.txt');
    expect(await calls[0]!.file.text()).toBe('hello');
    expect(progress).toEqual([
      [0, 5],
      [5, 5],
    ]);
  });

  it('refreshes the token once after a 401 and sends again; a plain Blob is named "file"', async () => {
    const { fake, calls, recovered } = transport(
      [
        { status: 401, body: { statusCode: 401, code: 'unauthorized', message: 'expired' } },
        { status: 201, body: ATTACHMENT },
      ],
      { initial: 'old', refreshed: 'new' },
    );
    await uploadAttachment(fake, 'r', new Blob(['hello']));
    expect(recovered()).toBe(1);
    expect(calls.map((call) => call.authorization)).toEqual(['Bearer old', 'Bearer new']);
    expect(calls[1]!.file.name).toBe('file');
  });

  it("rejects with the server's error as a ParleyError", async () => {
    const { fake } = transport([{ status: 413, body: { statusCode: 413, code: 'payload_too_large', message: 'Storage quota exceeded', details: { quota: 10 } } }], {
      initial: 't',
      refreshed: null,
    });
    const failure = uploadAttachment(fake, 'r', new Blob(['x']));
    await expect(failure).rejects.toBeInstanceOf(ParleyError);
    await expect(failure).rejects.toMatchObject({ code: 'payload_too_large', status: 413, message: 'Storage quota exceeded', details: { quota: 10 } });
  });
});

describe('uploadAttachment (XMLHttpRequest, browsers)', () => {
  class FakeXhr {
    static sent: FakeXhr[] = [];
    readonly headers: Record<string, string> = {};
    readonly upload: { onprogress?: (event: { loaded: number }) => void } = {};
    onload?: () => void;
    onerror?: () => void;
    onabort?: () => void;
    status = 0;
    responseText = '';
    method = '';
    url = '';
    open(method: string, url: string): void {
      this.method = method;
      this.url = url;
    }
    setRequestHeader(name: string, value: string): void {
      this.headers[name] = value;
    }
    send(): void {
      FakeXhr.sent.push(this);
      this.upload.onprogress?.({ loaded: 2 });
      this.upload.onprogress?.({ loaded: 5 });
      this.status = 201;
      this.responseText = JSON.stringify(ATTACHMENT);
      this.onload?.();
    }
  }

  beforeAll(() => {
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = FakeXhr;
  });
  afterAll(() => {
    delete (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest;
  });

  it('reports the upload progress as the browser does', async () => {
    const progress: number[] = [];
    const attachment = await uploadAttachment(
      { baseUrl: '', accessToken: () => Promise.resolve('t'), recover: () => Promise.resolve(null) },
      'r',
      new File(['hello'], 'a.txt'),
      { onProgress: (sent) => progress.push(sent) },
    );
    expect(attachment).toEqual(ATTACHMENT);
    expect(progress).toEqual([0, 2, 5]);
    expect(FakeXhr.sent[0]).toMatchObject({ method: 'POST', url: '/api/rooms/r/attachments', headers: { authorization: 'Bearer t' } });
  });
});
