import { readEventStream, SseParser, type SseMessage } from './sse';

describe('SseParser', () => {
  const parse = (...chunks: string[]): { messages: SseMessage[]; comments: string[] } => {
    const messages: SseMessage[] = [];
    const comments: string[] = [];
    const parser = new SseParser((message) => messages.push(message), (comment) => comments.push(comment));
    for (const chunk of chunks) parser.push(chunk);
    return { messages, comments };
  };

  it('parses events with ids, names and data, across chunk boundaries', () => {
    const { messages } = parse('id: 7\nevent: men', 'tion\ndata: {"a":1}\n', '\nevent: message.created\ndata: {"b":2}\n\n');
    expect(messages).toEqual([
      { id: '7', event: 'mention', data: '{"a":1}' },
      { id: undefined, event: 'message.created', data: '{"b":2}' },
    ]);
  });

  it('joins multi-line data, accepts CRLF and no space after the colon, defaults the event name', () => {
    const { messages } = parse('data:line one\r\ndata: line two\r\n\r\n');
    expect(messages).toEqual([{ id: undefined, event: 'message', data: 'line one\nline two' }]);
  });

  it('reports comments and ignores blocks without data', () => {
    const { messages, comments } = parse(': keep-alive\n\nretry: 3000\n\n: connected\n\n');
    expect(messages).toEqual([]);
    expect(comments).toEqual(['keep-alive', 'connected']);
  });

  it('reads a streaming body to its end', async () => {
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('event: a\ndata: 1\n\nevent: b\n'));
        controller.enqueue(encoder.encode('data: 2\n\n'));
        controller.close();
      },
    });
    const events: string[] = [];
    await readEventStream(body, new SseParser((message) => events.push(`${message.event}=${message.data}`)));
    expect(events).toEqual(['a=1', 'b=2']);
  });
});
