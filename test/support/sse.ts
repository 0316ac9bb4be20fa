/** A minimal Server-Sent Events client over fetch, for tests: records every event and comment. */
export interface SseEvent {
  id?: string;
  event: string;
  data: unknown;
}

export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  headers?: Headers;
  body?: unknown;
  private readonly abort = new AbortController();
  private done?: Promise<void>;


  /** Connects; resolves once the response headers arrived (rejects on network errors). */
  static async connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient();
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: client.abort.signal });
    client.status = response.status;
    client.headers = response.headers;
    if (!response.ok || !response.body) {
      client.body = await response.json().catch(() => undefined);
      return client;
    }
    client.done = client.read(response.body);
    return client;
  }

  of<T = unknown>(event: string): Array<{ id?: string; data: T }> {
    return this.events.filter((entry) => entry.event === event).map((entry) => ({ id: entry.id, data: entry.data as T }));
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done?.catch(() => undefined);
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = body.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let boundary = buffer.indexOf('\n\n');
        while (boundary >= 0) {
          this.parse(buffer.slice(0, boundary));
          buffer = buffer.slice(boundary + 2);
          boundary = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    }
  }

  private parse(block: string): void {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length === 0) return;
    this.events.push({ id, event, data: JSON.parse(data.join('\n')) as unknown });
  }
}
