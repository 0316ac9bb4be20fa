import type { Message } from '@parley/contract';
import { RoomSequencer, type SequencerOptions } from './room-sequencer';
import { deferred, testMessage } from '../../../test/support/unit';

const GAP_WAIT_MS = 250;
const MAX_ATTEMPTS = 3;

const message = (seq: number, roomId = 'room-a'): Message => testMessage(seq, { roomId });

function range(from: number, to: number, roomId = 'room-a'): Message[] {
  return Array.from({ length: to - from + 1 }, (_, i) => message(from + i, roomId));
}

describe('RoomSequencer', () => {
  let delivered: Message[];
  let loadAfter: jest.Mock<Promise<Message[]>, [string, number]>;
  let onError: jest.Mock<void, [unknown]>;
  let sequencer: RoomSequencer;

  /** "room:seq" of everything delivered so far. */
  const deliveredKeys = (): string[] => delivered.map((m) => `${m.roomId}:${m.seq}`);
  const deliveredSeqs = (): number[] => delivered.map((m) => m.seq);

  beforeEach(() => {
    jest.useFakeTimers();
    delivered = [];
    loadAfter = jest.fn<Promise<Message[]>, [string, number]>().mockResolvedValue([]);
    onError = jest.fn<void, [unknown]>();
    const options: SequencerOptions = {
      gapWaitMs: GAP_WAIT_MS,
      maxGapAttempts: MAX_ATTEMPTS,
      loadAfter,
      deliver: (m) => delivered.push(m),
      onError,
    };
    sequencer = new RoomSequencer(options);
    // A subscriber here: deliveries in room-a start at seq 1.
    sequencer.prime('room-a', 1);
  });

  afterEach(() => {
    sequencer.clear();
    jest.useRealTimers();
  });

  it('delivers in-order messages immediately', () => {
    for (const m of range(1, 3)) sequencer.push(m);
    expect(deliveredSeqs()).toEqual([1, 2, 3]);
    expect(loadAfter).not.toHaveBeenCalled();
  });

  it('delivers nothing in a room nobody here subscribes to (never primed), and holds nothing for it', () => {
    sequencer.push(message(5, 'room-x'));
    sequencer.push(message(7, 'room-x'));
    expect(delivered).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('delivers the very message objects that were pushed', () => {
    const m = message(1);
    sequencer.push(m);
    expect(delivered[0]).toBe(m);
  });

  it('holds a message ahead of the expected seq and releases it in order once the gap is filled', async () => {
    sequencer.push(message(1));
    sequencer.push(message(3));
    sequencer.push(message(4));
    expect(deliveredSeqs()).toEqual([1]);
    sequencer.push(message(2));
    expect(deliveredSeqs()).toEqual([1, 2, 3, 4]);
    // The gap closed by itself: no database read afterwards.
    await jest.advanceTimersByTimeAsync(GAP_WAIT_MS * 4);
    expect(loadAfter).not.toHaveBeenCalled();
  });

  it('reorders a burst reported in reverse', () => {
    sequencer.push(message(1));
    for (const seq of [6, 5, 4, 3, 2]) sequencer.push(message(seq));
    expect(deliveredSeqs()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('drops duplicates below the cursor', () => {
    sequencer.push(message(1));
    sequencer.push(message(2));
    sequencer.push(message(1));
    sequencer.push(message(2));
    sequencer.push(message(3));
    expect(deliveredSeqs()).toEqual([1, 2, 3]);
  });

  it('delivers a message held twice only once', () => {
    sequencer.push(message(1));
    sequencer.push(message(3));
    sequencer.push(message(3));
    sequencer.push(message(2));
    expect(deliveredSeqs()).toEqual([1, 2, 3]);
  });

  it('keeps rooms independent: a gap in one room does not hold back another', () => {
    sequencer.prime('room-b', 10);
    sequencer.push(message(1, 'room-a'));
    sequencer.push(message(3, 'room-a'));
    sequencer.push(message(10, 'room-b'));
    sequencer.push(message(11, 'room-b'));
    expect(deliveredKeys()).toEqual(['room-a:1', 'room-b:10', 'room-b:11']);
  });

  describe('gap filling', () => {
    it('reads the missing messages from the database after gapWaitMs', async () => {
      loadAfter.mockResolvedValue(range(2, 4));
      sequencer.push(message(1));
      sequencer.push(message(4));
      await jest.advanceTimersByTimeAsync(GAP_WAIT_MS - 1);
      expect(loadAfter).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(1);
      expect(loadAfter).toHaveBeenCalledTimes(1);
      expect(loadAfter).toHaveBeenCalledWith('room-a', 1);
      expect(deliveredSeqs()).toEqual([1, 2, 3, 4]);
    });

    it('waits gapWaitMs from the first held message, not from the latest push', async () => {
      loadAfter.mockResolvedValue(range(2, 5));
      sequencer.push(message(1));
      sequencer.push(message(4));
      await jest.advanceTimersByTimeAsync(GAP_WAIT_MS - 10);
      sequencer.push(message(5));
      await jest.advanceTimersByTimeAsync(10);
      expect(loadAfter).toHaveBeenCalledTimes(1);
      expect(deliveredSeqs()).toEqual([1, 2, 3, 4, 5]);
    });

    it('ignores loaded messages that were delivered meanwhile and delivers each seq once', async () => {
      const load = deferred<Message[]>();
      loadAfter.mockReturnValue(load.promise);
      sequencer.push(message(1));
      sequencer.push(message(4));
      await jest.advanceTimersByTimeAsync(GAP_WAIT_MS);
      expect(loadAfter).toHaveBeenCalledWith('room-a', 1);
      sequencer.push(message(2)); // arrives while the read is in flight
      load.resolve(range(1, 4));
      await jest.advanceTimersByTimeAsync(0);
      expect(deliveredSeqs()).toEqual([1, 2, 3, 4]);
    });

    it('reads again when a read leaves a hole (its snapshot predates a late commit)', async () => {
      // 1 delivered, 3 held; the first read sees only 2 (4 had not committed), then 5 arrives.
      loadAfter.mockResolvedValueOnce([message(2), message(3)]).mockResolvedValueOnce([message(4)]);
      sequencer.push(message(1));
      sequencer.push(message(3));
      await jest.advanceTimersByTimeAsync(GAP_WAIT_MS);
      expect(deliveredSeqs()).toEqual([1, 2, 3]);
      sequencer.push(message(5));
      await jest.advanceTimersByTimeAsync(GAP_WAIT_MS);
      expect(loadAfter).toHaveBeenLastCalledWith('room-a', 3);
      expect(deliveredSeqs()).toEqual([1, 2, 3, 4, 5]);
    });

    it('never skips a seq that is reported late while a read is in flight', async () => {
      const load = deferred<Message[]>();
      loadAfter.mockReturnValueOnce(load.promise).mockResolvedValueOnce([message(4)]);
      sequencer.push(message(1));
      sequencer.push(message(3));
      await jest.advanceTimersByTimeAsync(GAP_WAIT_MS);
      sequencer.push(message(5)); // 4 and 5 commit after the read's snapshot; 5 is reported first
      load.resolve([message(2), message(3)]);
      await jest.advanceTimersByTimeAsync(0);
      expect(deliveredSeqs()).toEqual([1, 2, 3]);
      sequencer.push(message(4)); // the late report
      expect(deliveredSeqs()).toEqual([1, 2, 3, 4, 5]);
    });

    it('keeps reading while a second hole remains, without waiting for another push', async () => {
      loadAfter.mockResolvedValueOnce([message(2)]).mockResolvedValueOnce([message(5)]);
      sequencer.push(message(1));
      sequencer.push(message(3));
      sequencer.push(message(4));
      sequencer.push(message(6));
      await jest.advanceTimersByTimeAsync(GAP_WAIT_MS);
      expect(deliveredSeqs()).toEqual([1, 2, 3, 4]);
      await jest.advanceTimersByTimeAsync(GAP_WAIT_MS);
      expect(deliveredSeqs()).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it(`skips a hole only after ${MAX_ATTEMPTS} reads could not fill it, and says so`, async () => {
      loadAfter.mockResolvedValue([]);
      sequencer.push(message(1));
      sequencer.push(message(5));
      for (let i = 1; i < MAX_ATTEMPTS; i++) {
        await jest.advanceTimersByTimeAsync(GAP_WAIT_MS);
        expect(deliveredSeqs()).toEqual([1]);
      }
      await jest.advanceTimersByTimeAsync(GAP_WAIT_MS);
      expect(loadAfter).toHaveBeenCalledTimes(MAX_ATTEMPTS);
      expect(deliveredSeqs()).toEqual([1, 5]);
      expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringContaining('still missing') }));
      sequencer.push(message(6));
      expect(deliveredSeqs()).toEqual([1, 5, 6]);
    });

    it('reports a failed read to onError and retries after gapWaitMs', async () => {
      const failure = new Error('database down');
      loadAfter.mockRejectedValueOnce(failure).mockResolvedValueOnce(range(2, 3));
      sequencer.push(message(1));
      sequencer.push(message(3));
      await jest.advanceTimersByTimeAsync(GAP_WAIT_MS);
      expect(onError).toHaveBeenCalledWith(failure);
      expect(deliveredSeqs()).toEqual([1]);
      await jest.advanceTimersByTimeAsync(GAP_WAIT_MS - 1);
      expect(loadAfter).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(loadAfter).toHaveBeenCalledTimes(2);
      expect(loadAfter).toHaveBeenLastCalledWith('room-a', 1);
      expect(deliveredSeqs()).toEqual([1, 2, 3]);
      expect(onError).toHaveBeenCalledTimes(1);
    });

    it('keeps retrying while reads fail', async () => {
      loadAfter.mockRejectedValue(new Error('still down'));
      sequencer.push(message(1));
      sequencer.push(message(3));
      await jest.advanceTimersByTimeAsync(GAP_WAIT_MS * 3);
      expect(loadAfter).toHaveBeenCalledTimes(3);
      expect(onError).toHaveBeenCalledTimes(3);
      expect(deliveredSeqs()).toEqual([1]);
    });

    it('does not reread when the gap was filled by a push before a failed read returns', async () => {
      const load = deferred<Message[]>();
      loadAfter.mockReturnValueOnce(load.promise);
      sequencer.push(message(1));
      sequencer.push(message(3));
      await jest.advanceTimersByTimeAsync(GAP_WAIT_MS);
      sequencer.push(message(2));
      expect(deliveredSeqs()).toEqual([1, 2, 3]);
      load.reject(new Error('timeout'));
      await jest.advanceTimersByTimeAsync(0);
      expect(onError).toHaveBeenCalledTimes(1);
      // A retry timer fires, finds nothing held and reads nothing.
      await jest.advanceTimersByTimeAsync(GAP_WAIT_MS * 2);
      expect(loadAfter).toHaveBeenCalledTimes(1);
    });
  });

  describe('forget and clear', () => {
    it('forget() drops held messages and timers; the room delivers again once primed again', async () => {
      sequencer.push(message(1));
      sequencer.push(message(3));
      sequencer.forget('room-a');
      await jest.advanceTimersByTimeAsync(GAP_WAIT_MS * 2);
      expect(loadAfter).not.toHaveBeenCalled();
      sequencer.push(message(7));
      expect(deliveredSeqs()).toEqual([1]);
      sequencer.prime('room-a', 7);
      sequencer.push(message(7));
      expect(deliveredSeqs()).toEqual([1, 7]);
    });

    it('forget() discards the result of a read that was in flight', async () => {
      const load = deferred<Message[]>();
      loadAfter.mockReturnValue(load.promise);
      sequencer.push(message(1));
      sequencer.push(message(3));
      await jest.advanceTimersByTimeAsync(GAP_WAIT_MS);
      sequencer.forget('room-a');
      load.resolve(range(2, 3));
      await jest.advanceTimersByTimeAsync(0);
      expect(deliveredSeqs()).toEqual([1]);
    });

    it('forget() does not retry a read that fails after the room was forgotten', async () => {
      const load = deferred<Message[]>();
      loadAfter.mockReturnValue(load.promise);
      sequencer.push(message(1));
      sequencer.push(message(3));
      await jest.advanceTimersByTimeAsync(GAP_WAIT_MS);
      sequencer.forget('room-a');
      load.reject(new Error('gone'));
      await jest.advanceTimersByTimeAsync(GAP_WAIT_MS * 2);
      expect(onError).toHaveBeenCalledTimes(1);
      expect(loadAfter).toHaveBeenCalledTimes(1);
    });

    it('forget() leaves other rooms alone and ignores unknown rooms', () => {
      sequencer.prime('room-b', 1);
      sequencer.push(message(1, 'room-a'));
      sequencer.push(message(1, 'room-b'));
      sequencer.forget('room-a');
      sequencer.forget('unknown');
      sequencer.push(message(1, 'room-b')); // still a duplicate for room-b
      sequencer.push(message(2, 'room-b'));
      sequencer.push(message(2, 'room-a')); // not tracked any more
      expect(deliveredKeys()).toEqual(['room-a:1', 'room-b:1', 'room-b:2']);
    });

    it('clear() stops every timer and forgets every room', async () => {
      sequencer.prime('room-b', 1);
      sequencer.push(message(1, 'room-a'));
      sequencer.push(message(3, 'room-a'));
      sequencer.push(message(1, 'room-b'));
      expect(jest.getTimerCount()).toBeGreaterThan(0);
      sequencer.clear();
      expect(jest.getTimerCount()).toBe(0);
      await jest.advanceTimersByTimeAsync(GAP_WAIT_MS * 10);
      expect(loadAfter).not.toHaveBeenCalled();
      sequencer.push(message(2, 'room-a'));
      sequencer.push(message(2, 'room-b')); // nobody is tracked any more
      expect(deliveredKeys()).toEqual(['room-a:1', 'room-b:1']);
    });
  });

  describe('prime', () => {
    it('orders the first live messages against the primed position', () => {
      loadAfter.mockResolvedValue([message(11, 'room-p')]);
      sequencer.prime('room-p', 11);
      sequencer.push(message(12, 'room-p')); // reported before 11
      expect(deliveredSeqs()).toEqual([]);
      sequencer.push(message(11, 'room-p'));
      expect(deliveredSeqs()).toEqual([11, 12]);
    });

    it('does not move a cursor that is already tracked', () => {
      sequencer.push(message(1));
      sequencer.prime('room-a', 50);
      sequencer.push(message(2));
      expect(deliveredSeqs()).toEqual([1, 2]);
    });

    it('drops messages below the primed position (they predate the subscription)', () => {
      sequencer.prime('room-p', 10);
      sequencer.push(message(9, 'room-p'));
      sequencer.push(message(10, 'room-p'));
      expect(deliveredSeqs()).toEqual([10]);
    });
  });
});
