import { TypingTracker } from './typing.tracker';

const TIMEOUT_MS = 5000;

describe('TypingTracker', () => {
  let announce: jest.Mock<void, [string, string, boolean]>;
  let tracker: TypingTracker;

  beforeEach(() => {
    jest.useFakeTimers();
    announce = jest.fn<void, [string, string, boolean]>();
    tracker = new TypingTracker(TIMEOUT_MS, announce);
  });

  afterEach(() => {
    tracker.clearAll();
    jest.useRealTimers();
  });

  it('announces true once when a user starts typing', () => {
    tracker.set('r1', 'u1', true);
    expect(announce.mock.calls).toEqual([['r1', 'u1', true]]);
  });

  it('does not re-announce a refresh', () => {
    tracker.set('r1', 'u1', true);
    jest.advanceTimersByTime(1000);
    tracker.set('r1', 'u1', true);
    tracker.set('r1', 'u1', true);
    expect(announce.mock.calls).toEqual([['r1', 'u1', true]]);
  });

  it('expires after the timeout with false', () => {
    tracker.set('r1', 'u1', true);
    jest.advanceTimersByTime(TIMEOUT_MS - 1);
    expect(announce).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(1);
    expect(announce.mock.calls).toEqual([
      ['r1', 'u1', true],
      ['r1', 'u1', false],
    ]);
    // Nothing more afterwards.
    jest.advanceTimersByTime(TIMEOUT_MS * 3);
    expect(announce).toHaveBeenCalledTimes(2);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a refresh extends the timeout from the refresh', () => {
    tracker.set('r1', 'u1', true);
    jest.advanceTimersByTime(TIMEOUT_MS - 1000);
    tracker.set('r1', 'u1', true);
    jest.advanceTimersByTime(TIMEOUT_MS - 1);
    expect(announce).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(1);
    expect(announce).toHaveBeenLastCalledWith('r1', 'u1', false);
    expect(announce).toHaveBeenCalledTimes(2);
  });

  it('announces an explicit false once and cancels the expiry', () => {
    tracker.set('r1', 'u1', true);
    tracker.set('r1', 'u1', false);
    tracker.set('r1', 'u1', false);
    jest.advanceTimersByTime(TIMEOUT_MS * 2);
    expect(announce.mock.calls).toEqual([
      ['r1', 'u1', true],
      ['r1', 'u1', false],
    ]);
  });

  it('announces nothing for false when the user was not typing', () => {
    tracker.set('r1', 'u1', false);
    expect(announce).not.toHaveBeenCalled();
  });

  it('announces true again when typing resumes after a stop', () => {
    tracker.set('r1', 'u1', true);
    tracker.set('r1', 'u1', false);
    tracker.set('r1', 'u1', true);
    expect(announce.mock.calls.map((call) => call[2])).toEqual([true, false, true]);
  });

  it('tracks each (room, user) separately', () => {
    tracker.set('r1', 'u1', true);
    tracker.set('r1', 'u2', true);
    tracker.set('r2', 'u1', true);
    expect(announce).toHaveBeenCalledTimes(3);
    tracker.set('r1', 'u1', false);
    expect(announce).toHaveBeenLastCalledWith('r1', 'u1', false);
    jest.advanceTimersByTime(TIMEOUT_MS);
    expect(announce.mock.calls.slice(4)).toEqual(
      expect.arrayContaining([
        ['r1', 'u2', false],
        ['r2', 'u1', false],
      ]),
    );
    expect(announce).toHaveBeenCalledTimes(6);
  });

  describe('clearWhere', () => {
    beforeEach(() => {
      tracker.set('r1', 'u1', true);
      tracker.set('r1', 'u2', true);
      tracker.set('r2', 'u1', true);
      announce.mockClear();
    });

    it('stops every typing state of a user, announcing false for each', () => {
      tracker.clearWhere((_roomId, userId) => userId === 'u1');
      expect(announce.mock.calls).toEqual(
        expect.arrayContaining([
          ['r1', 'u1', false],
          ['r2', 'u1', false],
        ]),
      );
      expect(announce).toHaveBeenCalledTimes(2);
      // u2 still types and expires normally; the cleared ones do not expire again.
      jest.advanceTimersByTime(TIMEOUT_MS);
      expect(announce).toHaveBeenCalledTimes(3);
      expect(announce).toHaveBeenLastCalledWith('r1', 'u2', false);
    });

    it('stops every typing state of a room', () => {
      tracker.clearWhere((roomId) => roomId === 'r1');
      expect(announce.mock.calls).toEqual(
        expect.arrayContaining([
          ['r1', 'u1', false],
          ['r1', 'u2', false],
        ]),
      );
      expect(announce).toHaveBeenCalledTimes(2);
    });

    it('passes room and user ids to the predicate', () => {
      const predicate = jest.fn<boolean, [string, string]>().mockReturnValue(false);
      tracker.clearWhere(predicate);
      expect(predicate.mock.calls).toEqual(
        expect.arrayContaining([
          ['r1', 'u1'],
          ['r1', 'u2'],
          ['r2', 'u1'],
        ]),
      );
      expect(announce).not.toHaveBeenCalled();
    });

    it('lets a cleared user start typing again with a fresh announcement', () => {
      tracker.clearWhere((_roomId, userId) => userId === 'u1');
      tracker.set('r1', 'u1', true);
      expect(announce).toHaveBeenLastCalledWith('r1', 'u1', true);
    });
  });

  describe('clearAll', () => {
    it('cancels every timer without announcing', () => {
      tracker.set('r1', 'u1', true);
      tracker.set('r2', 'u2', true);
      announce.mockClear();
      tracker.clearAll();
      expect(jest.getTimerCount()).toBe(0);
      jest.advanceTimersByTime(TIMEOUT_MS * 2);
      expect(announce).not.toHaveBeenCalled();
    });

    it('forgets state, so the next true is announced', () => {
      tracker.set('r1', 'u1', true);
      tracker.clearAll();
      tracker.set('r1', 'u1', true);
      expect(announce.mock.calls).toEqual([
        ['r1', 'u1', true],
        ['r1', 'u1', true],
      ]);
    });
  });
});
