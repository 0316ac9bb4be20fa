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
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

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
    await settle();
    expect(pair.received()).toBe('abcd');
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
    await settle();
    expect(pair.received()).toBe('x');
    await pair.close();
  });

  it('flushes what a turn wrote when the socket is ended in that turn', async () => {
    const pair = await socketPair();
    corkWritesPerTurn(pair.sender);
    pair.sender.write('last words');
    pair.sender.end();
    await settle();
    expect(pair.received()).toBe('last words');
    await pair.close();
  });
});
