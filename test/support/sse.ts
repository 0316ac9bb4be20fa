import { readEventStream, SseParser } from '@parley/client';

/** A Server-Sent Events client for tests (the SDK's parser over fetch): records every event and comment. */
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
    const parser = new SseParser(
      (message) => client.events.push({ id: message.id, event: message.event, data: JSON.parse(message.data) as unknown }),
      (comment) => client.comments.push(comment),
    );
    client.done = readEventStream(response.body, parser).catch(() => undefined);
    return client;
  }

  /** Resolves when the server ends the stream (or close() aborts it). */
  get finished(): Promise<void> {
    return this.done ?? Promise.resolve();
  }

  of<T = unknown>(event: string): Array<{ id?: string; data: T }> {
    return this.events.filter((entry) => entry.event === event).map((entry) => ({ id: entry.id, data: entry.data as T }));
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
