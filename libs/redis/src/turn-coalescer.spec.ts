import { TurnCoalescer } from './turn-coalescer';

describe('TurnCoalescer', () => {
  it('runs the calls of one turn as one, each caller getting its own result', async () => {
    const calls: number[][] = [];
    const doubler = new TurnCoalescer<number, number>((items) => {
      calls.push([...items]);
      return Promise.resolve(items.map((item) => item * 2));
    });
    const results = await Promise.all([doubler.submit(1), doubler.submit(2), doubler.submit(3)]);
    expect(results).toEqual([2, 4, 6]);
    expect(calls).toEqual([[1, 2, 3]]);
    // A later turn is a new call.
    expect(await doubler.submit(4)).toBe(8);
    expect(calls).toEqual([[1, 2, 3], [4]]);
  });

  it('includes calls made by microtasks and by other callbacks of the same turn', async () => {
    const calls: string[][] = [];
    const echo = new TurnCoalescer<string, string>((items) => {
      calls.push([...items]);
      return Promise.resolve([...items]);
    });
    // Two callbacks of one turn (like two sockets' reads), the second submitting from a microtask.
    const submitted = await new Promise<Array<Promise<string>>>((resolve) => {
      const results: Array<Promise<string>> = [];
      setImmediate(() => results.push(echo.submit('a')));
      setImmediate(() => void Promise.resolve().then(() => resolve([...results, echo.submit('b')])));
    });
    await Promise.all(submitted);
    expect(calls).toEqual([['a', 'b']]);
  });

  it('splits a burst at maxItems', async () => {
    const sizes: number[] = [];
    const counter = new TurnCoalescer<number, number>((items) => {
      sizes.push(items.length);
      return Promise.resolve(items.map(() => 0));
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((item) => counter.submit(item)));
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('fails every call of a failed run, whether it rejects, throws or miscounts', async () => {
    const rejecting = new TurnCoalescer<number, number>(() => Promise.reject(new Error('down')));
    await expect(Promise.allSettled([rejecting.submit(1), rejecting.submit(2)])).resolves.toEqual([
      { status: 'rejected', reason: new Error('down') },
      { status: 'rejected', reason: new Error('down') },
    ]);
    const throwing = new TurnCoalescer<number, number>(() => {
      throw new Error('sync');
    });
    await expect(throwing.submit(1)).rejects.toThrow('sync');
    const miscounting = new TurnCoalescer<number, number>(() => Promise.resolve([1]));
    const both = await Promise.allSettled([miscounting.submit(1), miscounting.submit(2)]);
    expect(both.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });

  it('refuses a limit below one', () => {
    expect(() => new TurnCoalescer(() => Promise.resolve([]), 0)).toThrow();
  });
});
