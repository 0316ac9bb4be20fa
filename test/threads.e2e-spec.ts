import type { AuthResult, ErrorBody, Message, MessagePage, MessageRepliesEvent, Room, RoomJoinResult } from '@parley/contract';
import type { RunningServer } from '../apps/server/src/server';
import { Api, collect, emitAck, emitOk, eventually, openSocket, uniqueName, type TestSocket } from './support/client';
import { startTestCluster } from './support/server';

const SEND_RATE_LIMIT = 30;

/**
 * System messages and replies (contract §1, §4, §5) on two instances with two writer shards, so that rooms are
 * written by either instance and sends, system messages included, cross Redis to their writer.
 */
describe('system messages and replies, two instances', () => {
  let servers: RunningServer[];
  let apiA: Api;
  let apiB: Api;
  let owner: AuthResult;
  let alice: AuthResult;
  let bob: AuthResult;
  let carol: AuthResult;
  let ownerSocket: TestSocket;
  let aliceSocket: TestSocket;

  const history = async (room: Room, as = owner, api = apiA): Promise<Message[]> => {
    const result = await api.get<MessagePage>(`/api/rooms/${room.id}/messages?limit=200`, as.accessToken);
    expect(result.status).toBe(200);
    return result.body.messages;
  };
  const send = async (room: Room, content: string, as = owner, api = apiA, extra: Record<string, unknown> = {}) =>
    api.post<Message & ErrorBody>(`/api/rooms/${room.id}/messages`, { content, ...extra }, as.accessToken);
  const sent = async (room: Room, content: string, as = owner, api = apiA, extra: Record<string, unknown> = {}): Promise<Message> => {
    const result = await send(room, content, as, api, extra);
    expect(result.status).toBe(201);
    return result.body;
  };
  const kinds = (messages: Message[]): string[] => messages.map((message) => (message.type === 'system' ? `system:${message.event?.kind}` : `text:${message.content}`));

  beforeAll(async () => {
    servers = await startTestCluster(2, { WRITER_SHARDS: '2', SEND_RATE_LIMIT: String(SEND_RATE_LIMIT), SEND_RATE_WINDOW_MS: '60000' });
    apiA = new Api(servers[0]!.url);
    apiB = new Api(servers[1]!.url);
    [owner, alice, bob, carol] = (await Promise.all(['owner', 'alice', 'bob', 'carol'].map((name) => apiA.register(uniqueName(name))))) as [AuthResult, AuthResult, AuthResult, AuthResult];
    ownerSocket = await openSocket(servers[0]!.url, owner.accessToken);
    aliceSocket = await openSocket(servers[1]!.url, alice.accessToken);
  });
  afterAll(async () => {
    ownerSocket?.close();
    aliceSocket?.close();
    await Promise.all((servers ?? []).map((server) => server.close()));
  });

  it('numbers system messages in the room seq among user messages, in history, catch-up and on both instances in order', async () => {
    const room = await apiA.createRoom(owner.accessToken, uniqueName('Story'));
    await emitOk(ownerSocket, 'room:join', { roomId: room.id });
    const onA = collect<Message>(ownerSocket, 'message:new');
    // alice joins over the socket on the other instance: a member_joined system message, seq 1.
    await emitOk(aliceSocket, 'room:join', { roomId: room.id, sinceSeq: 0 });
    const onB = collect<Message>(aliceSocket, 'message:new');
    await sent(room, 'welcome');
    expect((await apiB.post(`/api/rooms/${room.id}/join`, {}, bob.accessToken)).status).toBe(200);
    await sent(room, 'hi bob', alice, apiB);
    const patched = await apiB.request<Room>('PATCH', `/api/rooms/${room.id}`, { token: owner.accessToken, body: { name: `${room.name}-2`, description: 'About us' } });
    expect(patched.status).toBe(200);
    expect((await apiA.request('PATCH', `/api/rooms/${room.id}/members/${alice.user.id}`, { token: owner.accessToken, body: { role: 'moderator' } })).status).toBe(200);
    // The same role again changes nothing: no system message.
    expect((await apiA.request('PATCH', `/api/rooms/${room.id}/members/${alice.user.id}`, { token: owner.accessToken, body: { role: 'moderator' } })).status).toBe(200);
    expect((await apiB.request('DELETE', `/api/rooms/${room.id}/members/${bob.user.id}`, { token: alice.accessToken })).status).toBe(204);
    // A second kick finds no member: still exactly one member_kicked.
    expect((await apiB.request('DELETE', `/api/rooms/${room.id}/members/${bob.user.id}`, { token: alice.accessToken })).status).toBe(404);
    await sent(room, 'bye', alice, apiB);

    const expected = [
      'system:member_joined',
      'text:welcome',
      'system:member_joined',
      'text:hi bob',
      'system:room_renamed',
      'system:description_changed',
      'system:role_changed',
      'system:member_kicked',
      'text:bye',
    ];
    const stored = await history(room);
    expect(kinds(stored)).toEqual(expected);
    expect(stored.map((message) => message.seq)).toEqual(expected.map((_, i) => i + 1));

    const [joined, , bobJoined, , renamed, described, promoted, kicked] = stored;
    expect(joined).toMatchObject({ type: 'system', author: { id: alice.user.id }, clientMsgId: null, event: { kind: 'member_joined', actorId: alice.user.id } });
    expect(joined!.content).toBe(`${alice.user.displayName} joined`);
    expect(bobJoined!.event).toEqual({ kind: 'member_joined', actorId: bob.user.id });
    expect(renamed!.event).toEqual({ kind: 'room_renamed', actorId: owner.user.id, from: room.name, to: `${room.name}-2` });
    expect(described!.event).toEqual({ kind: 'description_changed', actorId: owner.user.id, from: '', to: 'About us' });
    expect(promoted!.event).toEqual({ kind: 'role_changed', actorId: owner.user.id, targetId: alice.user.id, role: 'moderator', from: 'member', to: 'moderator' });
    expect(kicked!.event).toEqual({ kind: 'member_kicked', actorId: alice.user.id, targetId: bob.user.id });
    expect(kicked!.content).toBe(`${alice.user.displayName} removed ${bob.user.displayName}`);
    expect(stored.filter((message) => message.type === 'text').every((message) => message.event === undefined)).toBe(true);
    // The room's record: not even its actor edits or deletes it.
    const edit = await apiA.request<ErrorBody>('PATCH', `/api/rooms/${room.id}/messages/${renamed!.id}`, { token: owner.accessToken, body: { content: 'nothing happened' } });
    expect([edit.status, edit.body.code]).toEqual([403, 'forbidden']);
    expect((await apiA.request('DELETE', `/api/rooms/${room.id}/messages/${renamed!.id}`, { token: owner.accessToken })).status).toBe(403);

    // Both instances' subscribers got every message after their subscription, once, in seq order.
    // (The owner subscribed before alice joined; alice's socket got her own join in its ack.)
    await eventually(() => onA.length === expected.length && onB.length === expected.length - 1, 5000, 'every message:new');
    expect(onA.map((message) => message.id)).toEqual(stored.map((message) => message.id));
    expect(onB.map((message) => message.id)).toEqual(stored.slice(1).map((message) => message.id));
    // Live, a system message is what history shows (less the reactions, which live messages never carry).
    expect({ ...onB.find((message) => message.id === kicked!.id), reactions: [] }).toEqual(kicked);

    // Catch-up from seq 2 on the other instance: the same messages.
    const caughtUp = await emitOk<RoomJoinResult>(aliceSocket, 'room:join', { roomId: room.id, sinceSeq: 2 });
    expect(caughtUp.messages.map((message) => message.id)).toEqual(stored.slice(2).map((message) => message.id));
    expect(caughtUp.room.lastSeq).toBe(expected.length);
  });

  it('records a leave once, and an owner leaving hands the room on with a role_changed line', async () => {
    const room = await apiA.createRoom(owner.accessToken, uniqueName('Leaving'));
    expect((await apiB.post(`/api/rooms/${room.id}/join`, {}, alice.accessToken)).status).toBe(200);
    expect((await apiB.post(`/api/rooms/${room.id}/join`, {}, bob.accessToken)).status).toBe(200);
    expect((await apiA.post(`/api/rooms/${room.id}/leave`, {}, bob.accessToken)).status).toBe(204);
    expect((await apiA.post(`/api/rooms/${room.id}/leave`, {}, bob.accessToken)).status).toBe(204); // not a member any more: nothing
    expect((await apiB.post(`/api/rooms/${room.id}/leave`, {}, owner.accessToken)).status).toBe(204);
    const stored = await history(room, alice, apiB);
    expect(kinds(stored)).toEqual(['system:member_joined', 'system:member_joined', 'system:member_left', 'system:member_left', 'system:role_changed']);
    expect(stored[4]!.event).toEqual({ kind: 'role_changed', actorId: owner.user.id, targetId: alice.user.id, role: 'owner', from: 'member', to: 'owner' });
    expect(stored[4]!.content).toBe(`${alice.user.displayName} is now the owner`);
  });

  it('writes system messages for a user whose send rate limit is spent, and gives direct rooms none', async () => {
    const room = await apiA.createRoom(carol.accessToken, uniqueName('Busy'));
    await Promise.all(Array.from({ length: SEND_RATE_LIMIT }, (_, i) => sent(room, `m${i}`, carol, i % 2 ? apiA : apiB)));
    expect((await send(room, 'one too many', carol, apiB)).status).toBe(429);
    expect((await apiA.request('PATCH', `/api/rooms/${room.id}`, { token: carol.accessToken, body: { description: 'still recorded' } })).status).toBe(200);
    const stored = await history(room, carol);
    expect(kinds(stored).slice(-1)).toEqual(['system:description_changed']);
    expect(stored.map((message) => message.seq)).toEqual(stored.map((_, i) => i + 1));

    const dm = await apiA.post<Room>('/api/dms', { userId: bob.user.id }, owner.accessToken);
    expect(dm.status).toBe(201);
    expect((await apiA.post(`/api/rooms/${dm.body.id}/leave`, {}, bob.accessToken)).status).toBe(204);
    expect(await history(dm.body)).toEqual([]);
  });

  describe('replies', () => {
    let room: Room;
    let root: Message;

    beforeAll(async () => {
      room = await apiA.createRoom(owner.accessToken, uniqueName('Threads'));
      expect((await apiB.post(`/api/rooms/${room.id}/join`, {}, alice.accessToken)).status).toBe(200);
      root = await sent(room, `${'long question '.repeat(20)}?`);
    });

    it('carries a snapshot of the quoted message, and a reply to a reply joins the root thread', async () => {
      const reply = await sent(room, 'an answer', alice, apiB, { replyTo: root.id });
      expect(reply.replyTo).toEqual({
        id: root.id,
        seq: root.seq,
        authorId: owner.user.id,
        authorName: owner.user.displayName,
        preview: root.content.slice(0, 200),
        rootId: root.id,
      });
      // Over the socket too, and replying to the reply: the quote is the reply, the thread the root's.
      const nested = await emitOk<Message>(ownerSocket, 'message:send', { roomId: room.id, content: 'thanks', replyTo: reply.id });
      expect(nested.replyTo).toMatchObject({ id: reply.id, seq: reply.seq, authorId: alice.user.id, preview: 'an answer', rootId: root.id });
      // The snapshot stays as it was when the quoted message is edited later.
      expect((await apiB.request('PATCH', `/api/rooms/${room.id}/messages/${reply.id}`, { token: alice.accessToken, body: { content: 'an edited answer' } })).status).toBe(200);
      const stored = await history(room);
      expect(stored.find((message) => message.id === nested.id)?.replyTo?.preview).toBe('an answer');
      expect(stored.find((message) => message.id === root.id)?.replyCount).toBe(2);
      expect(stored.find((message) => message.id === reply.id)?.replyCount).toBeUndefined();
      expect(stored.find((message) => message.id === reply.id)?.replyTo?.rootId).toBe(root.id);
    });

    it('counts every one of many concurrent replies from both instances once, and tells both instances in order', async () => {
      const before = (await history(room)).find((message) => message.id === root.id)?.replyCount ?? 0;
      await emitOk(ownerSocket, 'room:join', { roomId: room.id });
      await emitOk(aliceSocket, 'room:join', { roomId: room.id });
      const countsA = collect<MessageRepliesEvent>(ownerSocket, 'message:replies');
      const countsB = collect<MessageRepliesEvent>(aliceSocket, 'message:replies');
      const replies = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? sent(room, `reply ${i}`, owner, apiA, { replyTo: root.id }) : sent(room, `reply ${i}`, alice, apiB, { replyTo: root.id }))),
      );
      const total = before + replies.length;
      const stored = await history(room);
      expect(stored.find((message) => message.id === root.id)?.replyCount).toBe(total);
      await eventually(() => countsA.length === replies.length && countsB.length === replies.length, 5000, 'every message:replies');
      for (const counts of [countsA, countsB]) {
        expect(counts.every((event) => event.roomId === room.id && event.messageId === root.id)).toBe(true);
        expect(counts.map((event) => event.replyCount)).toEqual(Array.from({ length: replies.length }, (_, i) => before + i + 1));
      }
    });

    it('re-syncing from an older change version brings the root with its new count', async () => {
      const joined = await emitOk<RoomJoinResult>(aliceSocket, 'room:join', { roomId: room.id, limit: 1 });
      const lastSeq = joined.room.lastSeq;
      const reply = await sent(room, 'one more', owner, apiA, { replyTo: root.id });
      const back = await emitOk<RoomJoinResult>(aliceSocket, 'room:join', { roomId: room.id, sinceSeq: lastSeq, sinceVersion: joined.changeVersion });
      expect(back.messages.map((message) => message.id)).toEqual([reply.id]);
      const changedRoot = back.changes?.find((message) => message.id === root.id);
      expect(changedRoot?.replyCount).toBe((await history(room)).find((message) => message.id === root.id)?.replyCount);
    });

    it('pages a thread with limit, before and after', async () => {
      const all = await apiB.get<MessagePage>(`/api/rooms/${room.id}/messages/${root.id}/replies?limit=200`, alice.accessToken);
      expect(all.status).toBe(200);
      const seqs = all.body.messages.map((message) => message.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(all.body.messages.every((message) => message.replyTo?.rootId === root.id)).toBe(true);
      expect(all.body.messages.length).toBe((await history(room)).find((message) => message.id === root.id)?.replyCount);
      const newest = await apiB.get<MessagePage>(`/api/rooms/${room.id}/messages/${root.id}/replies?limit=3`, alice.accessToken);
      expect(newest.body).toEqual({ messages: all.body.messages.slice(-3), hasMore: true });
      const older = await apiB.get<MessagePage>(`/api/rooms/${room.id}/messages/${root.id}/replies?limit=3&before=${seqs[seqs.length - 3]}`, alice.accessToken);
      expect(older.body.messages.map((message) => message.seq)).toEqual(seqs.slice(-6, -3));
      const first = await apiB.get<MessagePage>(`/api/rooms/${room.id}/messages/${root.id}/replies?limit=2&after=0`, alice.accessToken);
      expect(first.body).toEqual({ messages: all.body.messages.slice(0, 2), hasMore: true });
    });

    it('refuses a reply to an unknown, deleted or other room’s message, storing nothing', async () => {
      const other = await apiA.createRoom(owner.accessToken, uniqueName('Elsewhere'));
      const foreign = await sent(other, 'not here');
      const doomed = await sent(room, 'soon gone');
      expect((await apiA.request('DELETE', `/api/rooms/${room.id}/messages/${doomed.id}`, { token: owner.accessToken })).status).toBe(204);
      const lastSeq = (await history(room)).at(-1)!.seq;
      for (const replyTo of [foreign.id, doomed.id, '00000000-0000-4000-8000-000000000000']) {
        const refused = await send(room, 'lost', alice, apiB, { replyTo });
        expect(refused.status).toBe(404);
        expect(refused.body.code).toBe('not_found');
        const overSocket = await emitAck(aliceSocket, 'message:send', { roomId: room.id, content: 'lost', replyTo });
        expect(overSocket).toMatchObject({ ok: false, error: { code: 'not_found' } });
      }
      expect((await send(room, 'bad id', alice, apiB, { replyTo: 'not-a-uuid' })).status).toBe(400);
      expect((await history(room)).at(-1)!.seq).toBe(lastSeq);
      // A message of another room is not found under this room's path either.
      expect((await apiA.get(`/api/rooms/${room.id}/messages/${foreign.id}/replies`, owner.accessToken)).status).toBe(404);
    });

    it('shows a private room’s threads to its members only (404 otherwise)', async () => {
      const secret = await apiA.createRoom(owner.accessToken, uniqueName('Secret'), 'private');
      const question = await sent(secret, 'private question');
      await sent(secret, 'private answer', owner, apiA, { replyTo: question.id });
      expect((await apiB.get(`/api/rooms/${secret.id}/messages/${question.id}/replies`, bob.accessToken)).status).toBe(404);
      const outsider = await send(secret, 'let me in', bob, apiB, { replyTo: question.id });
      expect(outsider.status).toBe(404);
      const members = await apiA.get<MessagePage>(`/api/rooms/${secret.id}/messages/${question.id}/replies`, owner.accessToken);
      expect(members.body.messages.map((message) => message.content)).toEqual(['private answer']);
    });
  });
});
