import type { Message, MessagePage, Room, RoomJoinResult } from '@parley/contract';
import { ParleyError } from './errors';
import type { RestApi } from './http';
import { RoomHandle, type RoomTransport } from './room-handle';
import { fake, testMessage } from '../../../test/support/unit';

const message = (seq: number): Message => testMessage(seq, { roomId: 'r1' });
const room = (lastSeq: number): Room => ({
  id: 'r1',
  name: 'r',
  description: '',
  visibility: 'public',
  kind: 'group',
  createdBy: 'u',
  createdAt: '2026-01-01T00:00:00.000Z',
  memberCount: 1,
  lastSeq,
  joined: true,
  role: 'member',
  unreadCount: 0,
  muted: false,
  mutedUntil: null,
});

describe('RoomHandle', () => {
  let emitted: Array<{ event: string; payload: unknown }>;
  let answers: Array<(payload: unknown) => Promise<unknown>>;
  let pages: MessagePage[];
  let connectedPromise: Promise<void>;
  let isConnected: boolean;
  let handle: RoomHandle;
  let delivered: number[];

  let transportPage: () => jest.Mock;

  beforeEach(() => {
    jest.useFakeTimers();
    emitted = [];
    answers = [];
    pages = [];
    connectedPromise = Promise.resolve();
    isConnected = true;
    const page = jest.fn(() => Promise.resolve(pages.shift() ?? { messages: [], hasMore: false }));
    transportPage = () => page;
    const transport: RoomTransport = {
      emit: (event, payload) => {
        emitted.push({ event, payload });
        const answer = answers.shift();
        return (answer ? answer(payload) : Promise.resolve({})) as never;
      },
      rest: fake<RestApi>({ messages: fake<RestApi['messages']>({ page }) }),
      isConnected: () => isConnected,
      whenConnected: () => connectedPromise,
    };
    handle = new RoomHandle('r1', transport, 400);
    delivered = [];
    handle.on('message', (m) => delivered.push(m.seq));
  });
  afterEach(() => jest.useRealTimers());

  const joinWith = (result: RoomJoinResult): void => {
    answers.push(() => Promise.resolve(result));
  };

  it('starts live delivery after the room\'s lastSeq and keeps live messages that beat the join ack', async () => {
    let release!: () => void;
    answers.push(() => new Promise((resolve) => (release = () => resolve({ room: room(10), messages: [], hasMore: false, changeVersion: 0 }))));
    const joining = handle.join();
    handle.handleLive(message(11)); // arrives before the ack
    release();
    await joining;
    expect(emitted[0]).toEqual({ event: 'room:join', payload: { roomId: 'r1' } });
    expect(delivered).toEqual([11]);
    expect(handle.lastSeq).toBe(11);
  });

  it('prefetches the newest page with the first join: history for loadOlder, not live delivery, then REST pages on', async () => {
    joinWith({ room: room(10), messages: [message(9), message(10)], hasMore: true, changeVersion: 0 });
    await handle.join({ prefetch: 2 });
    expect(emitted[0]).toEqual({ event: 'room:join', payload: { roomId: 'r1', limit: 2 } });
    expect(delivered).toEqual([]);
    expect(await handle.loadOlder(2)).toEqual({ messages: [message(9), message(10)], hasMore: true });
    pages.push({ messages: [message(7), message(8)], hasMore: true });
    expect((await handle.loadOlder(2)).messages.map((m) => m.seq)).toEqual([7, 8]);
    expect(transportPage()).toHaveBeenCalledWith('r1', { before: 9, limit: 2 });
  });

  it('fills a hole over REST when live traffic does not within gapWaitMs', async () => {
    joinWith({ room: room(10), messages: [], hasMore: false, changeVersion: 0 });
    await handle.join();
    pages.push({ messages: [message(11), message(12)], hasMore: false });
    handle.handleLive(message(12));
    expect(delivered).toEqual([]);
    await jest.advanceTimersByTimeAsync(400);
    expect(delivered).toEqual([11, 12]);
  });

  it('does not fetch when the hole closes in time', async () => {
    joinWith({ room: room(0), messages: [], hasMore: false, changeVersion: 0 });
    await handle.join();
    handle.handleLive(message(2));
    handle.handleLive(message(1));
    await jest.advanceTimersByTimeAsync(1000);
    expect(delivered).toEqual([1, 2]);
  });

  it('re-joins with sinceSeq after a reconnect and pages on when there is more', async () => {
    joinWith({ room: room(5), messages: [], hasMore: false, changeVersion: 0 });
    await handle.join();
    joinWith({ room: room(300), messages: Array.from({ length: 200 }, (_, i) => message(6 + i)), hasMore: true, changeVersion: 0 });
    pages.push({ messages: Array.from({ length: 95 }, (_, i) => message(206 + i)), hasMore: false });
    await handle.resync();
    expect(emitted[1]).toEqual({ event: 'room:join', payload: { roomId: 'r1', sinceSeq: 5, sinceVersion: 0 } });
    expect(delivered).toEqual(Array.from({ length: 295 }, (_, i) => 6 + i));
  });

  it('re-joins with the change version it has and reports the messages changed meanwhile, paging over REST', async () => {
    joinWith({ room: room(5), messages: [], hasMore: false, changeVersion: 7 });
    await handle.join();
    const updated: Array<{ seq: number; content: string }> = [];
    const deleted: number[] = [];
    handle.on('updated', (m) => updated.push({ seq: m.seq, content: m.content }));
    handle.on('deleted', (e) => deleted.push(e.seq));
    const edited = { ...message(2), content: 'edited while away' };
    const gone = { ...message(3), content: '', deletedAt: '2026-01-01T00:00:01.000Z' };
    joinWith({ room: room(5), messages: [], hasMore: false, changeVersion: 9, changes: [edited], hasMoreChanges: true });
    const changes = jest.fn(() => Promise.resolve({ messages: [gone], hasMore: false, changeVersion: 11 }));
    (handle as unknown as { transport: { rest: { messages: { changes: unknown } } } }).transport.rest.messages.changes = changes;
    await handle.resync();
    expect(emitted[1]).toEqual({ event: 'room:join', payload: { roomId: 'r1', sinceSeq: 5, sinceVersion: 7 } });
    expect(changes).toHaveBeenCalledWith('r1', 9);
    expect(updated).toEqual([
      { seq: 2, content: 'edited while away' },
      { seq: 3, content: '' },
    ]);
    expect(deleted).toEqual([3]);
    // The next re-join asks from where the pages ended.
    joinWith({ room: room(5), messages: [], hasMore: false, changeVersion: 11 });
    await handle.resync();
    expect(emitted[2]).toEqual({ event: 'room:join', payload: { roomId: 'r1', sinceSeq: 5, sinceVersion: 11 } });
  });

  it('retries a send with the same clientMsgId after a network failure, and delivers it once', async () => {
    joinWith({ room: room(0), messages: [], hasMore: false, changeVersion: 0 });
    await handle.join();
    answers.push(() => Promise.reject(new ParleyError('network', 'No answer')), (payload) => Promise.resolve({ ...message(1), clientMsgId: (payload as { clientMsgId: string }).clientMsgId }));
    const sent = await handle.send('hello');
    const keys = emitted.filter((entry) => entry.event === 'message:send').map((entry) => (entry.payload as { clientMsgId: string }).clientMsgId);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    expect(sent.seq).toBe(1);
    handle.handleLive(message(1)); // the broadcast of the same message
    expect(delivered).toEqual([1]);
  });

  it('does not retry refusals', async () => {
    joinWith({ room: room(0), messages: [], hasMore: false, changeVersion: 0 });
    await handle.join();
    answers.push(() => Promise.reject(new ParleyError('forbidden', 'not a member')));
    await expect(handle.send('x')).rejects.toMatchObject({ code: 'forbidden' });
    expect(emitted.filter((entry) => entry.event === 'message:send')).toHaveLength(1);
  });

  it('loads older history before what it has, page by page', async () => {
    joinWith({ room: room(120), messages: [], hasMore: false, changeVersion: 0 });
    await handle.join();
    pages.push({ messages: Array.from({ length: 50 }, (_, i) => message(71 + i)), hasMore: true });
    const older = await handle.loadOlder(50);
    expect(older.messages[0]?.seq).toBe(71);
    expect(older.hasMore).toBe(true);
  });

  it('closes once with a reason and stops delivering', () => {
    const reasons: string[] = [];
    handle.on('closed', ({ reason }) => reasons.push(reason));
    handle.close('removed');
    handle.close('deleted');
    expect(reasons).toEqual(['removed']);
    expect(handle.isJoined).toBe(false);
  });

  it('waits for the connection before joining (a join right after page load)', async () => {
    isConnected = false;
    let connect!: () => void;
    connectedPromise = new Promise((resolve) => (connect = resolve));
    joinWith({ room: room(3), messages: [], hasMore: false, changeVersion: 0 });
    const joining = handle.join();
    await jest.advanceTimersByTimeAsync(10);
    expect(emitted).toEqual([]);
    isConnected = true;
    connect();
    expect((await joining).lastSeq).toBe(3);
  });

  it('catches up from where it stopped when joined again after unsubscribing', async () => {
    joinWith({ room: room(5), messages: [], hasMore: false, changeVersion: 0 });
    await handle.join();
    await handle.unsubscribe();
    joinWith({ room: room(7), messages: [message(6), message(7)], hasMore: false, changeVersion: 0 });
    await handle.join();
    expect(emitted.filter((entry) => entry.event === 'room:join').map((entry) => entry.payload)).toEqual([{ roomId: 'r1' }, { roomId: 'r1', sinceSeq: 5, sinceVersion: 0 }]);
    expect(delivered).toEqual([6, 7]);
  });

});
