import { createServer, connect, type Server, type Socket } from 'node:net';
import { corkWritesPerTurn } from './turn-corked-writes';

/** A real loopback TCP pair: what goes out of `sender` arrives, in order, at the other end. */
async function socketPair(): Promise<{ sender: Socket; received: () => string; close: () => Promise<void> }> {
  let data = '';
  let accepted: Socket | undefined;
  const server: Server = createServer((socket) => {
    accepted = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const sender = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => sender.once('connect', resolve));
  return {
    sender,
    received: () => data,
    close: async () => {
      sender.destroy();
      accepted?.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** What the other end has received once it has `length` characters (polled, with a deadline, not a fixed wait). */
async function receivedUpTo(pair: { received: () => string }, length: number): Promise<string> {
  const deadline = Date.now() + 2000;
  while (pair.received().length < length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  return pair.received();
}

describe('corkWritesPerTurn', () => {
  it('sends the writes of one turn in one system call, in order, and each later turn separately', async () => {
    const pair = await socketPair();
    const internals = pair.sender as unknown as { _writev: (...args: unknown[]) => void; _write: (...args: unknown[]) => void };
    const writev = jest.spyOn(internals, '_writev');
    const write = jest.spyOn(internals, '_write');
    corkWritesPerTurn(pair.sender);

    pair.sender.write('a');
    pair.sender.write('b');
    pair.sender.write('c');
    expect(writev).not.toHaveBeenCalled(); // held until the end of the turn
    await nextTurn();
    expect(writev).toHaveBeenCalledTimes(1);
    expect((writev.mock.calls[0]![0] as unknown[]).length).toBe(3);

    pair.sender.write('d');
    await nextTurn();
    expect(writev.mock.calls.length + write.mock.calls.length).toBe(2);
    expect(await receivedUpTo(pair, 4)).toBe('abcd');
    await pair.close();
  });

  it('calls each write callback once its data is written, and patches a socket only once', async () => {
    const pair = await socketPair();
    corkWritesPerTurn(pair.sender);
    const patched = pair.sender.write;
    corkWritesPerTurn(pair.sender);
    expect(pair.sender.write).toBe(patched);
    const done = await new Promise<boolean>((resolve) => pair.sender.write('x', (error) => resolve(!error)));
    expect(done).toBe(true);
    expect(await receivedUpTo(pair, 1)).toBe('x');
    await pair.close();
  });

  it('flushes what a turn wrote when the socket is ended in that turn', async () => {
    const pair = await socketPair();
    corkWritesPerTurn(pair.sender);
    pair.sender.write('last words');
    pair.sender.end();
    expect(await receivedUpTo(pair, 10)).toBe('last words');
    await pair.close();
  });
});
