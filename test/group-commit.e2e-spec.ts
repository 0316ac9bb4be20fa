import type { RunningServer } from '../apps/server/src/server';
import type { Ack, AuthResult, Message, MessagePage, Room } from '@parley/contract';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { INSERT_BATCH, MessagesRepository, SEND_SESSION_SETTINGS, type InsertResult, type NewMessage } from '../libs/messages/src/messages.repository';
import { Api, collect, connected, connectSocket, emitAck, emitOk, eventually, uniqueName, type TestSocket } from './support/client';
import { startTestCluster, startTestServer } from './support/server';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/** Every message of a room, oldest first, through the history API. */
async function history(api: Api, roomId: string, token: string): Promise<Message[]> {
  let stored: Message[] = [];
  for (let after = 0; ; ) {
    const page = await api.get<MessagePage>(`/api/rooms/${roomId}/messages?after=${after}&limit=200`, token);
    expect(page.status).toBe(200);
    stored = stored.concat(page.body.messages);
    if (!page.body.hasMore) return stored;
    after = page.body.messages[page.body.messages.length - 1]!.seq;
  }
}

/** Records the batches an instance writes (their items and results) without changing them. */
function recordBatches(server: RunningServer): Array<{ items: readonly NewMessage[]; results: Array<PromiseSettledResult<InsertResult>> }> {
  const repository = server.app.get(MessagesRepository, { strict: false });
  const original = repository.insertBatch.bind(repository);
  const batches: Array<{ items: readonly NewMessage[]; results: Array<PromiseSettledResult<InsertResult>> }> = [];
  jest.spyOn(repository, 'insertBatch').mockImplementation(async (items) => {
    const results = await original(items);
    batches.push({ items, results });
    return results;
  });
  return batches;
}

interface Send {
  socket: number;
  roomId: string;
  clientMsgId: string;
  ack?: Ack<Message>;
}

describe('group commit of sends (one instance)', () => {
  const USERS = 12;
  const ROOMS = 4;
  const PER_USER = 30;
  let server: RunningServer;
  let api: Api;
  let users: AuthResult[];
  let rooms: Room[];
  let outsider: AuthResult;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    api = new Api(server.url);
    users = await Promise.all(Array.from({ length: USERS }, (_, i) => api.register(uniqueName(`gc${i}_`))));
    outsider = await api.register(uniqueName('gcout'));
    rooms = await Promise.all(Array.from({ length: ROOMS }, (_, i) => api.createRoom(users[0]!.accessToken, uniqueName(`Group${i}`))));
    for (const user of users) {
      const socket = await connected(connectSocket(server.url, user.accessToken));
      sockets.push(socket);
      for (const room of rooms) await emitOk(socket, 'room:join', { roomId: room.id });
    }
    sockets.push(await connected(connectSocket(server.url, outsider.accessToken)));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await server.close();
  });

  it('a member leaving takes the room row before its memberships, as a send batch does, so the two queue instead of deadlocking', async () => {
    const owner = await api.register(uniqueName('gclo'));
    const room = await api.createRoom(owner.accessToken, uniqueName('Leave'));
    await api.post(`/api/rooms/${room.id}/join`, undefined, users[1]!.accessToken);
    const batch = server.app.get(DataSource).createQueryRunner();
    await batch.connect();
    await batch.startTransaction();
    let left = false;
    try {
      // What a batch holds while it moves read markers: the room row, locked FOR NO KEY UPDATE.
      await batch.query('SELECT 1 FROM rooms WHERE id = $1 FOR NO KEY UPDATE', [room.id]);
      const leaving = api.post(`/api/rooms/${room.id}/leave`, undefined, owner.accessToken).then((response) => {
        left = true;
        return response;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(left).toBe(false);
      await batch.commitTransaction();
      expect((await leaving).status).toBeLessThan(300);
    } finally {
      if (batch.isTransactionActive) await batch.rollbackTransaction();
      await batch.release();
    }
    const members = await api.get<Array<{ user: { id: string }; role: string }>>(`/api/rooms/${room.id}/members`, users[1]!.accessToken);
    expect(members.body).toEqual([expect.objectContaining({ user: expect.objectContaining({ id: users[1]!.user.id }), role: 'owner' })]);
  });

  it('a burst into several rooms from several sockets: all acked, seqs gapless per room, retries answered with the stored message, outsiders refused', async () => {
    const batches = recordBatches(server);
    const privateRoom = await api.createRoom(users[1]!.accessToken, uniqueName('Hidden'), 'private');
    const inboxes = sockets.slice(0, 2).map((socket) => collect<Message>(socket, 'message:new'));

    const sends: Send[] = [];
    for (let n = 0; n < PER_USER; n++) {
      for (let socket = 0; socket < USERS; socket++) {
        const roomId = rooms[(socket + n) % ROOMS]!.id;
        sends.push({ socket, roomId, clientMsgId: `gc-${socket}-${n}` });
        // A retry racing its original in the same burst (a client resending after a lost ack).
        if (n % 10 === 3) sends.push({ socket, roomId, clientMsgId: `gc-${socket}-${n}` });
      }
    }
    const outsiderSends = [
      ...Array.from({ length: 5 }, (_, i) => ({ roomId: rooms[i % ROOMS]!.id, code: 'forbidden' })), // public, not joined
      ...Array.from({ length: 5 }, () => ({ roomId: privateRoom.id, code: 'not_found' })), // private: not even visible
    ];

    // Everything at once, without waiting for acks: the sends pile up behind each other's batches.
    const outsiderAcks = outsiderSends.map((send, i) =>
      emitAck<Message>(sockets[USERS]!, 'message:send', { roomId: send.roomId, content: `intruder ${i}`, clientMsgId: `out-${i}` }),
    );
    await Promise.all(
      sends.map(async (send, i) => {
        send.ack = await emitAck<Message>(sockets[send.socket]!, 'message:send', {
          roomId: send.roomId,
          content: `message ${i}`,
          clientMsgId: send.clientMsgId,
        });
      }),
    );
    expect((await Promise.all(outsiderAcks)).map((ack) => (ack.ok ? 'ok' : ack.error.code))).toEqual(outsiderSends.map((send) => send.code));

    for (const send of sends) {
      if (!send.ack?.ok) throw new Error(`send ${send.clientMsgId} failed: ${JSON.stringify(send.ack)}`);
      expect(send.ack.data.roomId).toBe(send.roomId);
      expect(send.ack.data.clientMsgId).toBe(send.clientMsgId);
    }
    const ackOf = (send: Send): Message => (send.ack as Extract<Ack<Message>, { ok: true }>).data;
    // A retry gets the very message its original stored.
    const byClientMsgId = new Map<string, Message>();
    for (const send of sends) {
      const seen = byClientMsgId.get(send.clientMsgId);
      if (seen) expect(ackOf(send)).toEqual(seen);
      else byClientMsgId.set(send.clientMsgId, ackOf(send));
    }

    for (const room of rooms) {
      const acked = [...byClientMsgId.values()].filter((message) => message.roomId === room.id);
      expect(acked.map((message) => message.seq).sort((a, b) => a - b)).toEqual(range(acked.length));
      const stored = await history(api, room.id, users[0]!.accessToken);
      expect(stored.map((message) => message.seq)).toEqual(range(acked.length));
      expect(new Set(stored.map((message) => message.clientMsgId))).toEqual(new Set(acked.map((message) => message.clientMsgId)));
      // What an ack carries (built from the batch statement's rows, timestamps kept as text) is what history reads.
      expect(stored).toEqual([...acked].sort((a, b) => a.seq - b.seq));
      // Subscribers receive each room's messages once each, in seq order.
      for (const inbox of inboxes) {
        await eventually(() => inbox.filter((message) => message.roomId === room.id).length >= acked.length, 20_000, 'deliveries');
        expect(inbox.filter((message) => message.roomId === room.id).map((message) => message.seq)).toEqual(range(acked.length));
      }
    }
    const total = byClientMsgId.size;
    expect(total).toBe(USERS * PER_USER);
    expect(await history(api, privateRoom.id, users[1]!.accessToken)).toEqual([]);

    // The sends really were grouped: batches of many items, spanning rooms, with the room's members attached.
    expect(Math.max(...batches.map((batch) => batch.items.length))).toBeGreaterThan(1);
    expect(batches.some((batch) => new Set(batch.items.map((item) => item.roomId)).size > 1)).toBe(true);
    const memberIds = users.map((user) => user.user.id).sort();
    for (const batch of batches) {
      for (const result of batch.results) {
        if (result.status === 'fulfilled' && typeof result.value === 'object' && result.value.message.roomId !== privateRoom.id) {
          expect([...result.value.memberIds].sort()).toEqual(memberIds);
        }
      }
    }

    // What you send you have read: each author's read marker is at their newest message in each room.
    const markers = await server.app.get(DataSource).query<Array<{ last_read_seq: number; newest: number }>>(
      `SELECT m.last_read_seq, max(msg.seq) AS newest FROM memberships m
       JOIN messages msg ON msg.room_id = m.room_id AND msg.author_id = m.user_id
       WHERE m.room_id = ANY($1::uuid[]) GROUP BY m.room_id, m.user_id, m.last_read_seq`,
      [rooms.map((room) => room.id)],
    );
    expect(markers.length).toBe(USERS * ROOMS);
    for (const marker of markers) expect(marker.last_read_seq).toBe(marker.newest);
  });

  describe('insertBatch, called directly', () => {
    let repository: MessagesRepository;
    let db: DataSource;
    let roomA: Room;
    let roomB: Room;
    let owner: AuthResult;
    let member: AuthResult;

    const lastSeq = async (roomId: string): Promise<number> =>
      (await db.query<Array<{ last_seq: number }>>(`SELECT last_seq FROM rooms WHERE id = $1`, [roomId]))[0]!.last_seq;
    const value = (result: PromiseSettledResult<InsertResult>): InsertResult => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    };
    const seqOf = (result: PromiseSettledResult<InsertResult>): number => {
      const stored = value(result);
      if (typeof stored !== 'object') throw new Error(`expected a stored message, got ${stored}`);
      return stored.message.seq;
    };

    beforeAll(async () => {
      repository = server.app.get(MessagesRepository, { strict: false });
      db = server.app.get(DataSource);
      owner = users[2]!;
      member = users[3]!;
      roomA = await api.createRoom(owner.accessToken, uniqueName('DirectA'));
      roomB = await api.createRoom(owner.accessToken, uniqueName('DirectB'));
      for (const room of [roomA, roomB]) expect((await api.post(`/api/rooms/${room.id}/join`, {}, member.accessToken)).status).toBe(200);
    });

    it('has the per-item semantics of insertWithNextSeq, in input order', async () => {
      const first = await repository.insertWithNextSeq(roomA.id, owner.user.id, 'before', 'taken');
      expect(typeof first === 'object' && first.message.seq).toBe(1);
      const item = (roomId: string, author: AuthResult, content: string, clientMsgId: string | null = null): NewMessage => ({
        roomId,
        authorId: author.user.id,
        content,
        clientMsgId,
      });
      const results = await repository.insertBatch([
        item(roomA.id, owner, 'a1'),
        item(roomB.id, member, 'b1', 'twice'),
        item(roomA.id, owner, 'retry of a stored one', 'taken'),
        item(roomA.id, outsider, 'not a member'),
        item(randomUUID(), owner, 'no such room'),
        item(roomA.id, member, 'a2', 'twice'), // same clientMsgId as in room B: another key
        item(roomB.id, member, 'b1 again', 'twice'), // repeated within the batch: only the first is stored
        item(roomA.id, owner, 'a3'),
      ]);
      expect(results.map((result) => (typeof value(result) === 'object' ? seqOf(result) : value(result)))).toEqual([
        2,
        1,
        'duplicate',
        'refused',
        'refused',
        3,
        'duplicate',
        4,
      ]);
      const stored = value(results[0]!) as Exclude<InsertResult, string>;
      expect(stored.message).toMatchObject({ roomId: roomA.id, content: 'a1', clientMsgId: null, author: { id: owner.user.id } });
      expect([...stored.memberIds].sort()).toEqual([owner.user.id, member.user.id].sort());
      expect(value(results[5]!)).toMatchObject({ message: { content: 'a2', clientMsgId: 'twice', author: { id: member.user.id } } });
      // No seq spent on what was not stored.
      expect([await lastSeq(roomA.id), await lastSeq(roomB.id)]).toEqual([4, 1]);
      expect((await history(api, roomA.id, owner.accessToken)).map((message) => message.content)).toEqual(['before', 'a1', 'a2', 'a3']);
      const read = await db.query<Array<{ user_id: string; room_id: string; last_read_seq: number }>>(
        `SELECT user_id, room_id, last_read_seq FROM memberships WHERE room_id = ANY($1::uuid[])`,
        [[roomA.id, roomB.id]],
      );
      const marker = (roomId: string, userId: string): number | undefined =>
        read.find((row) => row.room_id === roomId && row.user_id === userId)?.last_read_seq;
      expect([marker(roomA.id, owner.user.id), marker(roomA.id, member.user.id), marker(roomB.id, member.user.id)]).toEqual([4, 3, 1]);
    });

    it('when the batch statement fails, stores the items one by one: only the culprit fails', async () => {
      const before = await lastSeq(roomB.id);
      const results = await repository.insertBatch([
        { roomId: roomB.id, authorId: owner.user.id, content: 'fine 1', clientMsgId: null },
        // PostgreSQL refuses NUL in text: the whole statement fails, as a concurrent duplicate would.
        { roomId: roomB.id, authorId: owner.user.id, content: 'bad \u0000 byte', clientMsgId: null },
        { roomId: roomA.id, authorId: member.user.id, content: 'fine 2', clientMsgId: null },
        { roomId: roomB.id, authorId: owner.user.id, content: 'fine 3', clientMsgId: null },
      ]);
      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: '22021' });
      expect([seqOf(results[0]!), seqOf(results[3]!)]).toEqual([before + 1, before + 2]);
      expect(await lastSeq(roomB.id)).toBe(before + 2);
    });
  });

  it('the send statement\'s generic plan probes indexes per item: it never scans or hashes a whole table', async () => {
    // The send pool plans the statement once per connection, generically, often while tables are small (a
    // fresh deployment), and keeps the plan as they grow: a scan there would read a whole table per batch.
    const runner = server.app.get(DataSource).createQueryRunner();
    try {
      for (const [name, value] of Object.entries(SEND_SESSION_SETTINGS)) await runner.query(`SET ${name} = ${value}`);
      await runner.query(`PREPARE send_plan_probe(uuid[], uuid[], text[], text[]) AS ${INSERT_BATCH}`);
      const explain = `EXPLAIN (COSTS OFF) EXECUTE send_plan_probe(ARRAY['${rooms[0]!.id}']::uuid[], ARRAY['${users[0]!.user.id}']::uuid[], ARRAY['x'], ARRAY['${randomUUID()}'])`;
      const lines = ((await runner.query(explain)) as Array<{ 'QUERY PLAN': string }>).map((row) => row['QUERY PLAN']);
      const plan = lines.join('\n');
      expect(plan).toMatch(/Index (Only )?Scan using messages_client_msg_id_uq/);
      expect(plan).not.toMatch(/Seq Scan on|Hash Join|Hash Semi Join|hashed SubPlan/i);
      // Nor does it join two of its own row sets by a nested loop over a materialised side: estimated at a
      // few rows each, that costs n² comparisons for a batch of n items.
      expect(plan).not.toMatch(/Materialize/);
      // Every index scan is bounded by a condition (a full index scan reads the whole table too).
      const indexScans = lines.flatMap((line, i) => (/Index (Only )?Scan (using|on)/.test(line) ? [[line.trim(), lines[i + 1]?.trim()]] : []));
      expect(indexScans.length).toBeGreaterThanOrEqual(5);
      for (const [scan, next] of indexScans) expect([scan, next]).toEqual([scan, expect.stringMatching(/^Index Cond: /)]);
    } finally {
      // The connection goes back to the shared pool, which keeps its own settings.
      await runner.query('DEALLOCATE send_plan_probe').catch(() => undefined);
      await runner.query('RESET ALL');
      await runner.release();
    }
  });
});

describe('group commit across two instances', () => {
  const USERS = 10;
  const ROOMS = 5;
  const PER_USER = 40;
  let servers: RunningServer[];
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    servers = await startTestCluster(2);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await Promise.all(servers.map((server) => server.close()));
  });

  it('batches spanning the same rooms on both instances neither deadlock nor break the per-room seqs', async () => {
    const api = new Api(servers[0]!.url);
    const users = await Promise.all(Array.from({ length: USERS }, (_, i) => api.register(uniqueName(`gx${i}_`))));
    const rooms = await Promise.all(Array.from({ length: ROOMS }, (_, i) => api.createRoom(users[0]!.accessToken, uniqueName(`Both${i}`))));
    for (const [i, user] of users.entries()) {
      const socket = await connected(connectSocket(servers[i % 2]!.url, user.accessToken));
      sockets.push(socket);
      for (const room of rooms) await emitOk(socket, 'room:join', { roomId: room.id });
    }
    const deadlocksBefore = await deadlocks(servers[0]!);

    const acks = await Promise.all(
      Array.from({ length: USERS * PER_USER }, (_, i) => {
        const socket = i % USERS;
        // Each socket walks the rooms in its own order, so concurrent batches lock overlapping room sets.
        const room = rooms[(((socket % 2 === 0 ? i : -i) % ROOMS) + ROOMS) % ROOMS]!;
        return emitOk<Message>(sockets[socket]!, 'message:send', { roomId: room.id, content: `x ${i}`, clientMsgId: `gx-${i}` });
      }),
    );
    acks.forEach((message, i) => expect(message.clientMsgId).toBe(`gx-${i}`));
    for (const room of rooms) {
      const acked = acks.filter((message) => message.roomId === room.id);
      expect(acked.map((message) => message.seq).sort((a, b) => a - b)).toEqual(range(acked.length));
      expect((await history(api, room.id, users[0]!.accessToken)).map((message) => message.seq)).toEqual(range(acked.length));
    }
    // The ordered room locks keep batches from deadlocking (a deadlock would only cost a per-item retry).
    expect(await deadlocks(servers[0]!)).toBe(deadlocksBefore);
  });
});

/** Deadlocks PostgreSQL detected in this database so far (its statistics, flushed first). */
async function deadlocks(server: RunningServer): Promise<number> {
  const db = server.app.get(DataSource);
  await db.query('SELECT pg_stat_force_next_flush()');
  const rows = await db.query<Array<{ deadlocks: number }>>(`SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`);
  return rows[0]!.deadlocks;
}
