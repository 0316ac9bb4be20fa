/** One Server-Sent Event (comments are reported separately). */
export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/**
 * Incremental `text/event-stream` parser: feed it decoded chunks, it calls back per complete event.
 * Handles `\n` and `\r\n` line ends, multi-line `data:`, comments and the optional space after the colon.
 */
export class SseParser {
  private buffer = '';

  constructor(
    private readonly onMessage: (message: SseMessage) => void,
    private readonly onComment: (comment: string) => void = () => undefined,
  ) {}

  push(chunk: string): void {
    this.buffer += chunk.replace(/\r\n?/g, '\n');
    for (let end = this.buffer.indexOf('\n\n'); end >= 0; end = this.buffer.indexOf('\n\n')) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.parseBlock(block);
    }
  }

  private parseBlock(block: string): void {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '') continue;
      if (line.startsWith(':')) {
        this.onComment(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) this.onMessage({ id, event, data: data.join('\n') });
  }
}

/**
 * Reads an SSE response body to the end (or until aborted), feeding the parser. Works wherever fetch
 * returns a streaming body: browsers and Node ≥ 18.
 */
export async function readEventStream(body: ReadableStream<Uint8Array>, parser: SseParser): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    parser.push(decoder.decode(value, { stream: true }));
  }
}
