import { ApiError, DomainEvents, type AuthUser, type DomainEventMap, type DomainEventName, type RateLimitDecision } from '@parley/common';
import type { AppConfig } from '@parley/config';
import type { Message, MessagePage, RoomRole } from '@parley/contract';
import type { RoomAccess, RoomAccessLevel } from '@parley/rooms';
import type { NewMessage, PageQuery } from './messages.repository';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MessagesService } from './messages.service';
import { Metrics } from '@parley/metrics';
import type { StoredMessage as Stored } from './messages.repository';

const author: AuthUser = { id: 'u-author', username: 'ann' };

function message(overrides: Partial<Message> = {}): Message {
  return {
    id: 'm1',
    roomId: 'room-1',
    seq: 5,
    author: { id: author.id, username: 'ann', displayName: 'Ann', createdAt: '2024-01-01T00:00:00.000Z' },
    content: 'hello',
    clientMsgId: null,
    createdAt: '2024-01-01T00:00:01.000Z',
    editedAt: null,
    deletedAt: null,
    ...overrides,
  };
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function makeFakes(role: RoomRole | null = 'member') {
  /** The per-item outcome; the fake insertBatch settles each item of a batch with it. */
  const insertOne = jest.fn<Promise<Stored | 'duplicate' | 'refused'>, [NewMessage]>();
  const repository = {
    insertOne,
    insertBatch: jest.fn((items: readonly NewMessage[]) => Promise.allSettled(items.map((item) => insertOne(item)))),
    findByClientMsgId: jest.fn<Promise<Message | null>, [string, string, string]>().mockResolvedValue(null),
    findById: jest.fn<Promise<Message | null>, [string]>().mockResolvedValue(null),
    updateContent: jest.fn<Promise<Message | null>, [string, string]>(),
    softDelete: jest.fn<Promise<boolean>, [string]>().mockResolvedValue(true),
    findPage: jest.fn<Promise<MessagePage>, [string, PageQuery]>().mockResolvedValue({ messages: [], hasMore: false }),
  };
  const rooms = {
    requireAccess: jest.fn<Promise<RoomAccess>, [string, string, RoomAccessLevel]>().mockResolvedValue({
      room: {} as RoomAccess['room'],
      role,
    }),
  };
  const rateLimits = { hit: jest.fn<Promise<RateLimitDecision>, [string, number, number]>().mockResolvedValue({ allowed: true, retryAfterMs: 0 }) };
  const events = new DomainEvents();
  const emitted: Array<{ name: DomainEventName; payload: DomainEventMap[DomainEventName] }> = [];
  jest.spyOn(events, 'emit').mockImplementation((name, payload) => void emitted.push({ name, payload }));
  const config = { sendRateLimit: 5, sendRateWindowMs: 10_000 } as AppConfig;
  const metrics = new Metrics({ instanceId: 'unit' } as AppConfig);
  const service = new MessagesService(repository as never, rooms as never, rateLimits, events, config, metrics);
  return { repository, rooms, rateLimits, events, emitted, service };
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected a rejection');
}

/** Tracks whether a promise has settled, without awaiting it. */
function track(promise: Promise<unknown>): { settled: () => boolean } {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  return { settled: () => done };
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};


const item = (content: string, clientMsgId: string | null = null, roomId = 'room-1', authorId = author.id): NewMessage => ({
  roomId,
  authorId,
  content,
  clientMsgId,
});

describe('MessagesService', () => {
  let fakes: ReturnType<typeof makeFakes>;

  beforeEach(() => {
    fakes = makeFakes();
  });

  describe('send', () => {
    it('stores the message, emits message.created and returns it', async () => {
      const stored = message();
      fakes.repository.insertOne.mockResolvedValue({ message: stored, memberIds: ['u1', 'u2'] });
      await expect(fakes.service.send(author, 'room-1', 'hello')).resolves.toBe(stored);
      expect(fakes.rateLimits.hit).toHaveBeenCalledWith(`send:${author.id}`, 5, 10_000);
      expect(fakes.rooms.requireAccess).not.toHaveBeenCalled(); // the insert checks membership itself
      expect(fakes.repository.insertBatch).toHaveBeenCalledWith([item('hello')]);
      expect(fakes.repository.findByClientMsgId).not.toHaveBeenCalled();
      expect(fakes.emitted).toEqual([{ name: 'message.created', payload: { message: stored, memberIds: ['u1', 'u2'] } }]);
    });

    it('refuses a rate-limited send before touching access or the repository', async () => {
      fakes.rateLimits.hit.mockResolvedValue({ allowed: false, retryAfterMs: 2500 });
      const error = await rejection(fakes.service.send(author, 'room-1', 'hello', 'c1'));
      expect(error.code).toBe('rate_limited');
      expect(error.retryAfterSeconds).toBe(3);
      expect(fakes.rooms.requireAccess).not.toHaveBeenCalled();
      expect(fakes.repository.findByClientMsgId).not.toHaveBeenCalled();
      expect(fakes.repository.insertBatch).not.toHaveBeenCalled();
      expect(fakes.emitted).toEqual([]);
    });

    it('rate-limits a batch\'s sends together, in order, and writes only the allowed ones', async () => {
      // Three sends in one turn share a batch; the limiter allows the first and third.
      fakes.rateLimits.hit
        .mockResolvedValueOnce({ allowed: true, retryAfterMs: 0 })
        .mockResolvedValueOnce({ allowed: false, retryAfterMs: 1200 })
        .mockResolvedValueOnce({ allowed: true, retryAfterMs: 0 });
      fakes.repository.insertOne.mockImplementation((sent) =>
        Promise.resolve({ message: message({ content: sent.content }), memberIds: [author.id] }),
      );
      const sends = ['a', 'b', 'c'].map((content) => fakes.service.send(author, 'room-1', content).then((sent) => sent.content, (error: ApiError) => `${error.code} ${error.retryAfterSeconds}`));
      expect(await Promise.all(sends)).toEqual(['a', 'rate_limited 2', 'c']);
      expect(fakes.rateLimits.hit).toHaveBeenCalledTimes(3);
      expect(fakes.repository.insertBatch).toHaveBeenCalledTimes(1);
      expect(fakes.repository.insertBatch).toHaveBeenCalledWith([item('a'), item('c')]);
    });

    it('writes nothing when every send of a batch is rate-limited', async () => {
      fakes.rateLimits.hit.mockResolvedValue({ allowed: false, retryAfterMs: 500 });
      const codes = await Promise.all(['a', 'b'].map((content) => rejection(fakes.service.send(author, 'room-1', content)).then((error) => error.code)));
      expect(codes).toEqual(['rate_limited', 'rate_limited']);
      expect(fakes.repository.insertBatch).not.toHaveBeenCalled();
    });

    it('answers with the access check\'s code when the insert refuses a non-member, storing nothing', async () => {
      fakes.repository.insertOne.mockResolvedValue('refused');
      fakes.rooms.requireAccess.mockRejectedValue(ApiError.forbidden('Join the room first'));
      expect((await rejection(fakes.service.send(author, 'room-1', 'hello'))).code).toBe('forbidden');
      expect(fakes.rooms.requireAccess).toHaveBeenCalledWith(author.id, 'room-1', 'member');
      expect(fakes.emitted).toEqual([]);
    });

    it('asks for a retry when the membership appeared between the insert and the check', async () => {
      fakes.repository.insertOne.mockResolvedValue('refused');
      expect((await rejection(fakes.service.send(author, 'room-1', 'hello'))).code).toBe('unavailable');
      expect(fakes.emitted).toEqual([]);
    });

    it('passes the clientMsgId through to the insert', async () => {
      fakes.repository.insertOne.mockResolvedValue({ message: message({ clientMsgId: 'c1' }), memberIds: [] });
      await fakes.service.send(author, 'room-1', 'hello', 'c1');
      expect(fakes.repository.findByClientMsgId).not.toHaveBeenCalled(); // no lookup on a first send
      expect(fakes.repository.insertOne).toHaveBeenCalledWith(item('hello', 'c1'));
    });

    it('returns the stored message for a retried clientMsgId (the insert finds it taken), without emitting', async () => {
      const existing = message({ clientMsgId: 'c1' });
      fakes.repository.insertOne.mockResolvedValue('duplicate');
      fakes.repository.findByClientMsgId.mockResolvedValue(existing);
      await expect(fakes.service.send(author, 'room-1', 'hello again', 'c1')).resolves.toBe(existing);
      expect(fakes.repository.findByClientMsgId).toHaveBeenCalledWith('room-1', author.id, 'c1');
      expect(fakes.repository.findByClientMsgId).toHaveBeenCalledTimes(1);
      expect(fakes.emitted).toEqual([]);
    });

    it('answers internal when the insert fails without a clientMsgId', async () => {
      fakes.repository.insertOne.mockResolvedValue('duplicate');
      expect((await rejection(fakes.service.send(author, 'room-1', 'hello'))).code).toBe('internal');
      expect(fakes.repository.findByClientMsgId).not.toHaveBeenCalled();
    });

    it('answers as for a refusal when the twin it duplicated was not stored either (its room vanished mid-batch)', async () => {
      fakes.repository.insertOne.mockResolvedValue('duplicate');
      fakes.rooms.requireAccess.mockRejectedValue(ApiError.notFound('Room'));
      expect((await rejection(fakes.service.send(author, 'room-1', 'hello', 'c1'))).code).toBe('not_found');
      expect(fakes.rooms.requireAccess).toHaveBeenCalledWith(author.id, 'room-1', 'member');
      expect(fakes.emitted).toEqual([]);
    });

    it('asks for a retry when the duplicated twin is missing but the room is still there', async () => {
      fakes.repository.insertOne.mockResolvedValue('duplicate');
      expect((await rejection(fakes.service.send(author, 'room-1', 'hello', 'c1'))).code).toBe('unavailable');
      expect(fakes.emitted).toEqual([]);
    });
  });

  describe('batching', () => {
    it('sends made in one turn, from several rooms and authors, share one batch; each gets its own result', async () => {
      const other: AuthUser = { id: 'u-other', username: 'bob' };
      const stored = [message({ id: 'a', seq: 7 }), message({ id: 'b', roomId: 'room-2', seq: 1 }), message({ id: 'c', seq: 8 })];
      fakes.repository.insertOne
        .mockResolvedValueOnce({ message: stored[0]!, memberIds: ['u1'] })
        .mockResolvedValueOnce({ message: stored[1]!, memberIds: ['u2'] })
        .mockResolvedValueOnce({ message: stored[2]!, memberIds: ['u1'] });
      const sends = [
        fakes.service.send(author, 'room-1', 'one'),
        fakes.service.send(other, 'room-2', 'two', 'c2'),
        fakes.service.send(author, 'room-1', 'three'),
      ];
      await expect(Promise.all(sends)).resolves.toEqual(stored);
      expect(fakes.repository.insertBatch).toHaveBeenCalledTimes(1);
      expect(fakes.repository.insertBatch).toHaveBeenCalledWith([item('one'), item('two', 'c2', 'room-2', other.id), item('three')]);
      // In batch order, which is seq order within a room.
      expect(fakes.emitted.map((event) => (event.payload as { message: Message }).message.id)).toEqual(['a', 'b', 'c']);
    });

    it('a refused or duplicate send in a batch fails or answers on its own, the others are stored', async () => {
      const existing = message({ id: 'old', clientMsgId: 'c1' });
      const fresh = message({ id: 'new', seq: 9 });
      fakes.repository.insertOne.mockImplementation(({ content }) =>
        Promise.resolve(content === 'outsider' ? 'refused' : content === 'retry' ? 'duplicate' : { message: fresh, memberIds: [] }),
      );
      fakes.repository.findByClientMsgId.mockResolvedValue(existing);
      fakes.rooms.requireAccess.mockRejectedValue(ApiError.notFound('Room'));
      const refused = rejection(fakes.service.send(author, 'room-9', 'outsider'));
      const retried = fakes.service.send(author, 'room-1', 'retry', 'c1');
      const sent = fakes.service.send(author, 'room-1', 'fine');
      expect((await refused).code).toBe('not_found');
      await expect(retried).resolves.toBe(existing);
      await expect(sent).resolves.toBe(fresh);
      expect(fakes.repository.insertBatch).toHaveBeenCalledTimes(1);
      expect(fakes.emitted).toHaveLength(1);
    });

    it('a batch that fails rejects each of its sends with the error', async () => {
      const error = new Error('connection lost');
      fakes.repository.insertBatch.mockRejectedValueOnce(error);
      const sends = [fakes.service.send(author, 'room-1', 'a'), fakes.service.send(author, 'room-2', 'b')];
      await expect(Promise.allSettled(sends)).resolves.toEqual([
        { status: 'rejected', reason: error },
        { status: 'rejected', reason: error },
      ]);
      expect(fakes.emitted).toEqual([]);
    });

    it('sends arriving while a batch is written go together in the next one', async () => {
      // Fake time: the batcher's 2 ms wait must not run out between the steps.
      jest.useFakeTimers();
      try {
        const turn = async (): Promise<void> => {
          await flush();
          await jest.advanceTimersByTimeAsync(0);
          await flush();
        };
        const first = deferred<Stored | 'duplicate' | 'refused'>();
        fakes.repository.insertOne.mockReturnValueOnce(first.promise).mockResolvedValue({ message: message(), memberIds: [] });
        const sends = [fakes.service.send(author, 'room-1', 'a')];
        await turn();
        sends.push(fakes.service.send(author, 'room-1', 'b'), fakes.service.send(author, 'room-2', 'c'));
        await turn();
        expect(fakes.repository.insertBatch).toHaveBeenCalledTimes(1);
        first.resolve({ message: message(), memberIds: [] });
        await Promise.all(sends);
        expect(fakes.repository.insertBatch.mock.calls.map(([items]) => items.map((entry) => entry.content))).toEqual([['a'], ['b', 'c']]);
      } finally {
        jest.useRealTimers();
      }
    });
  });

  describe('drain', () => {
    it('resolves at once when nothing is in flight', async () => {
      await expect(fakes.service.drain(1000)).resolves.toBeUndefined();
    });

    it('waits for accepted sends to commit', async () => {
      const insert = deferred<Stored | 'duplicate' | 'refused'>();
      fakes.repository.insertOne.mockReturnValue(insert.promise);
      const sending = fakes.service.send(author, 'room-1', 'hello');
      const sent = track(sending);
      await flush();
      const drained = track(fakes.service.drain(60_000));
      await flush();
      expect(drained.settled()).toBe(false);
      insert.resolve({ message: message(), memberIds: [] });
      await sending;
      await flush();
      expect(sent.settled()).toBe(true);
      expect(drained.settled()).toBe(true);
    });

    it('flushes queued sends at once rather than on the next turn', async () => {
      jest.useFakeTimers();
      try {
        fakes.repository.insertOne.mockResolvedValue({ message: message(), memberIds: [] });
        const sending = track(fakes.service.send(author, 'room-1', 'hello'));
        await flush();
        expect(fakes.repository.insertBatch).not.toHaveBeenCalled(); // queued for the next turn
        const drained = track(fakes.service.drain(10_000));
        await flush();
        expect(fakes.repository.insertBatch).toHaveBeenCalledTimes(1);
        expect(sending.settled()).toBe(true);
        expect(drained.settled()).toBe(true);
      } finally {
        jest.useRealTimers();
      }
    });

    it('counts a failed send as finished', async () => {
      const insert = deferred<Stored | 'duplicate' | 'refused'>();
      fakes.repository.insertOne.mockReturnValue(insert.promise);
      const sending = fakes.service.send(author, 'room-1', 'hello');
      const failure = rejection(sending);
      await flush();
      const drain = fakes.service.drain(60_000);
      insert.reject(ApiError.unavailable());
      await expect(drain).resolves.toBeUndefined();
      expect((await failure).code).toBe('unavailable');
    });

    it('stops waiting after the timeout', async () => {
      jest.useFakeTimers();
      try {
        fakes.repository.insertOne.mockReturnValue(new Promise<Stored | 'duplicate' | 'refused'>(() => undefined)); // never commits
        void fakes.service.send(author, 'room-1', 'hello');
        await flush();
        const drained = track(fakes.service.drain(500));
        await jest.advanceTimersByTimeAsync(499);
        expect(drained.settled()).toBe(false);
        await jest.advanceTimersByTimeAsync(1);
        expect(drained.settled()).toBe(true);
      } finally {
        jest.useRealTimers();
      }
    });

    it('forgets finished sends', async () => {
      jest.useFakeTimers();
      try {
        fakes.repository.insertOne.mockResolvedValue({ message: message(), memberIds: [] });
        const sending = fakes.service.send(author, 'room-1', 'hello');
        await jest.advanceTimersByTimeAsync(0); // the batcher's next-turn flush
        await sending;
        await flush();
        const drained = track(fakes.service.drain(10_000));
        await flush();
        // Resolved without any timer advancing: the committed send is no longer in flight.
        expect(drained.settled()).toBe(true);
        expect(jest.getTimerCount()).toBe(0);
      } finally {
        jest.useRealTimers();
      }
    });
  });

  describe('history and catchUp', () => {
    it('history checks view access and defaults the page size', async () => {
      const page: MessagePage = { messages: [message()], hasMore: true };
      fakes.repository.findPage.mockResolvedValue(page);
      await expect(fakes.service.history('u1', 'room-1', { before: 20 })).resolves.toBe(page);
      expect(fakes.rooms.requireAccess).toHaveBeenCalledWith('u1', 'room-1', 'view');
      expect(fakes.repository.findPage).toHaveBeenCalledWith('room-1', { before: 20, limit: DEFAULT_PAGE_SIZE });
    });

    it('history keeps an explicit limit', async () => {
      await fakes.service.history('u1', 'room-1', { after: 3, limit: 10 });
      expect(fakes.repository.findPage).toHaveBeenCalledWith('room-1', { after: 3, limit: 10 });
    });

    it('history reads nothing without access', async () => {
      fakes.rooms.requireAccess.mockRejectedValue(ApiError.notFound('Room'));
      expect((await rejection(fakes.service.history('u1', 'room-1', {}))).code).toBe('not_found');
      expect(fakes.repository.findPage).not.toHaveBeenCalled();
    });

    it('catchUp reads after a seq with the maximum page size', async () => {
      await fakes.service.catchUp('room-1', 42);
      expect(fakes.repository.findPage).toHaveBeenCalledWith('room-1', { after: 42, limit: MAX_PAGE_SIZE });
      expect(fakes.rooms.requireAccess).not.toHaveBeenCalled();
    });
  });

  describe('edit', () => {
    it('lets the author edit, emitting message.updated', async () => {
      const updated = message({ content: 'edited', editedAt: '2024-01-01T00:01:00.000Z' });
      fakes.repository.findById.mockResolvedValue(message());
      fakes.repository.updateContent.mockResolvedValue(updated);
      await expect(fakes.service.edit(author.id, 'm1', 'edited')).resolves.toBe(updated);
      expect(fakes.rooms.requireAccess).toHaveBeenCalledWith(author.id, 'room-1', 'member');
      expect(fakes.repository.updateContent).toHaveBeenCalledWith('m1', 'edited');
      expect(fakes.emitted).toEqual([{ name: 'message.updated', payload: { message: updated } }]);
    });

    it.each<RoomRole>(['member', 'admin', 'owner'])('refuses anyone but the author (even a room %s)', async (role) => {
      fakes = makeFakes(role);
      fakes.repository.findById.mockResolvedValue(message());
      const error = await rejection(fakes.service.edit('someone-else', 'm1', 'hijack'));
      expect(error.code).toBe('forbidden');
      expect(fakes.repository.updateContent).not.toHaveBeenCalled();
      expect(fakes.emitted).toEqual([]);
    });

    it('refuses to edit a deleted message with conflict', async () => {
      fakes.repository.findById.mockResolvedValue(message({ deletedAt: '2024-01-01T00:02:00.000Z', content: '' }));
      const error = await rejection(fakes.service.edit(author.id, 'm1', 'revive'));
      expect(error.code).toBe('conflict');
      expect(fakes.repository.updateContent).not.toHaveBeenCalled();
    });

    it('answers conflict when the message was deleted concurrently', async () => {
      fakes.repository.findById.mockResolvedValue(message());
      fakes.repository.updateContent.mockResolvedValue(null);
      expect((await rejection(fakes.service.edit(author.id, 'm1', 'x'))).code).toBe('conflict');
      expect(fakes.emitted).toEqual([]);
    });
  });

  describe('delete', () => {
    it('lets the author delete, emitting message.deleted', async () => {
      fakes.repository.findById.mockResolvedValue(message({ id: 'm1', roomId: 'room-1', seq: 5 }));
      await fakes.service.delete(author.id, 'm1');
      expect(fakes.repository.softDelete).toHaveBeenCalledWith('m1');
      expect(fakes.emitted).toEqual([{ name: 'message.deleted', payload: { roomId: 'room-1', id: 'm1', seq: 5 } }]);
    });

    it('refuses a plain member deleting someone else’s message', async () => {
      fakes.repository.findById.mockResolvedValue(message());
      const error = await rejection(fakes.service.delete('someone-else', 'm1'));
      expect(error.code).toBe('forbidden');
      expect(error.message).toBe('Only the author, the room owner or an admin can delete');
      expect(fakes.repository.softDelete).not.toHaveBeenCalled();
      expect(fakes.emitted).toEqual([]);
    });

    it.each<RoomRole>(['admin', 'owner'])('lets a room %s delete someone else’s message', async (role) => {
      fakes = makeFakes(role);
      fakes.repository.findById.mockResolvedValue(message());
      await fakes.service.delete('moderator', 'm1');
      expect(fakes.rooms.requireAccess).toHaveBeenCalledWith('moderator', 'room-1', 'member');
      expect(fakes.repository.softDelete).toHaveBeenCalledWith('m1');
      expect(fakes.emitted.map((e) => e.name)).toEqual(['message.deleted']);
    });

    it('emits nothing when the message was already deleted', async () => {
      fakes.repository.findById.mockResolvedValue(message());
      fakes.repository.softDelete.mockResolvedValue(false);
      await fakes.service.delete(author.id, 'm1');
      expect(fakes.emitted).toEqual([]);
    });
  });

  describe('finding the message (edit/delete)', () => {
    it('answers not_found for an unknown message', async () => {
      const error = await rejection(fakes.service.edit(author.id, 'nope', 'x'));
      expect(error.code).toBe('not_found');
      expect(error.message).toBe('Message not found');
      expect(fakes.rooms.requireAccess).not.toHaveBeenCalled();
    });

    it('answers not_found when the message is in another room than the path says', async () => {
      fakes.repository.findById.mockResolvedValue(message({ roomId: 'room-1' }));
      const error = await rejection(fakes.service.delete(author.id, 'm1', 'room-2'));
      expect(error.code).toBe('not_found');
      expect(error.message).toBe('Message not found');
      // Access to the path's room is checked first (a hidden room stays hidden), the message's room never is.
      expect(fakes.rooms.requireAccess).toHaveBeenCalledTimes(1);
      expect(fakes.rooms.requireAccess).toHaveBeenCalledWith(author.id, 'room-2', 'view');
      expect(fakes.repository.softDelete).not.toHaveBeenCalled();
    });

    it('answers with the room error when the path names a room the caller cannot see', async () => {
      fakes.rooms.requireAccess.mockRejectedValue(ApiError.notFound('Room'));
      const error = await rejection(fakes.service.edit(author.id, 'nope', 'x', 'room-2'));
      expect(error.message).toBe('Room not found');
    });

    it('accepts a matching room in the path', async () => {
      fakes.repository.findById.mockResolvedValue(message({ roomId: 'room-1' }));
      fakes.repository.updateContent.mockResolvedValue(message({ content: 'x' }));
      await fakes.service.edit(author.id, 'm1', 'x', 'room-1');
      expect(fakes.repository.updateContent).toHaveBeenCalledWith('m1', 'x');
    });

    it('refuses a caller who is no longer a member of the message’s room', async () => {
      fakes.repository.findById.mockResolvedValue(message());
      fakes.rooms.requireAccess.mockRejectedValue(ApiError.forbidden('Join the room first'));
      expect((await rejection(fakes.service.delete(author.id, 'm1'))).code).toBe('forbidden');
      expect(fakes.repository.softDelete).not.toHaveBeenCalled();
    });
  });
});
