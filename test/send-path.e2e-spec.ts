import type { RunningServer } from '../apps/server/src/server';
import type { Ack, AuthResult, Message, MessagePage, Room } from '@parley/contract';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MessagesRepository, RICH_SEND_STATEMENT, SEND_STATEMENT, type WriteItem, type WriteRow } from '../libs/messages/src/messages.repository';
import { SEND_SESSION_SETTINGS } from '../libs/messages/src/send-pool';
import { Redis } from 'ioredis';
import { RoomWriter } from '../libs/messages/src/room-writer';
import { FORWARD_TIMEOUT_MS } from '../libs/messages/src/send-router';
import { RedisWriterLeases, shardOf } from '../libs/messages/src/writer-leases';
import { Metrics } from '../libs/metrics/src';
import { Api, collect, DisconnectedBeforeAck, emitAck, emitOk, eventually, nextEvent, openSocket, uniqueName, type TestSocket } from './support/client';
import { holdWriterShard, sendStatementWaitingOnLock } from './support/send-path';
import { createTestDatabase } from './support/database';
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
function recordBatches(server: RunningServer): Array<{ items: readonly WriteItem[]; results: WriteRow[] }> {
  const repository = server.app.get(MessagesRepository, { strict: false });
  const original = repository.insertBatch.bind(repository);
  const batches: Array<{ items: readonly WriteItem[]; results: WriteRow[] }> = [];
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

describe('the send path on one instance (its own rooms\' writer)', () => {
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
      const socket = await openSocket(server.url, user, { into: sockets });
      for (const room of rooms) await emitOk(socket, 'room:join', { roomId: room.id });
    }
    await openSocket(server.url, outsider, { into: sockets });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await server.close();
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
      // The room's history: the members' joins (system messages, before the burst), then the burst, gapless.
      const all = await history(api, room.id, users[0]!.accessToken);
      expect(all.map((message) => message.seq)).toEqual(range(all.length));
      const stored = all.filter((message) => message.type === 'text');
      expect(all.slice(0, all.length - stored.length).every((message) => message.type === 'system')).toBe(true);
      expect(acked.map((message) => message.seq).sort((a, b) => a - b)).toEqual(stored.map((message) => message.seq));
      expect(new Set(stored.map((message) => message.clientMsgId))).toEqual(new Set(acked.map((message) => message.clientMsgId)));
      // What an ack carries (built from the batch statement's rows, timestamps kept as text) is what history reads
      // (history adds the reader's reactions, none here).
      expect(stored).toEqual([...acked].sort((a, b) => a.seq - b.seq).map((message) => ({ ...message, reactions: [] })));
      // Subscribers receive each room's messages once each, in seq order.
      for (const inbox of inboxes) {
        await eventually(() => inbox.filter((message) => message.roomId === room.id).length >= acked.length, 20_000, 'deliveries');
        expect(inbox.filter((message) => message.roomId === room.id).map((message) => message.seq)).toEqual(stored.map((message) => message.seq));
      }
    }
    const total = byClientMsgId.size;
    expect(total).toBe(USERS * PER_USER);
    expect(await history(api, privateRoom.id, users[1]!.accessToken)).toEqual([]);

    // The sends really were grouped: batches of many items, spanning rooms, with the room's members attached.
    expect(Math.max(...batches.map((batch) => batch.items.length))).toBeGreaterThan(1);
    expect(batches.some((batch) => new Set(batch.items.map((item) => item.roomId)).size > 1)).toBe(true);
    // A retry racing its original in one batch never reaches the statement: the writer merges them.
    for (const batch of batches) {
      const keys = batch.items.filter((item) => item.clientMsgId !== null).map((item) => `${item.roomId}|${item.authorId}|${item.clientMsgId}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
    const memberIds = users.map((user) => user.user.id).sort();
    const stored = batches.flatMap((batch) => batch.results.filter((result, i) => typeof result === 'object' && batch.items[i]!.roomId !== privateRoom.id));
    // Every stored send was seen here (the check below is not vacuous).
    expect(stored.length).toBeGreaterThanOrEqual(total);
    for (const result of stored) if (typeof result === 'object') expect([...result.stored.memberIds].sort()).toEqual(memberIds);

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

  describe('the send statement, called directly', () => {
    let repository: MessagesRepository;
    let db: DataSource;
    let roomA: Room;
    let roomB: Room;
    let owner: AuthResult;
    let member: AuthResult;
    /** A shard of its own for these tests (the server writes shard 0 of 1): nothing else fences it. */
    const SHARD = 7000 + Math.floor(Math.random() * 1000);

    const item = (room: Room, author: AuthResult, content: string, base: number, epoch: number, clientMsgId: string | null = null): WriteItem => ({
      roomId: room.id,
      authorId: author.user.id,
      content,
      clientMsgId,
      base,
      shard: SHARD,
      epoch,
    });
    const shape = (row: WriteRow): number | string => (typeof row === 'object' ? row.stored.seq : row);

    beforeAll(async () => {
      repository = server.app.get(MessagesRepository, { strict: false });
      db = server.app.get(DataSource);
      owner = users[2]!;
      member = users[3]!;
      roomA = await api.createRoom(owner.accessToken, uniqueName('DirectA'));
      roomB = await api.createRoom(owner.accessToken, uniqueName('DirectB'));
      // Made a member in the database: a join would write its system message, and these tests number from 0.
      for (const room of [roomA, roomB]) await db.query(`INSERT INTO memberships (room_id, user_id, role) VALUES ($1, $2, 'member')`, [room.id, member.user.id]);
    });

    it('numbers each room from its base in input order, stores nothing it refuses, and moves the authors\' read markers', async () => {
      const epoch = await repository.takeShard(SHARD);
      const first = await repository.insertBatch([item(roomA, owner, 'before', 0, epoch, 'taken')]);
      expect(first.map(shape)).toEqual([1]);
      const rows = await repository.insertBatch([
        item(roomA, owner, 'a1', 1, epoch),
        item(roomB, member, 'b1', 0, epoch, 'twice'),
        item(roomA, owner, 'retry of a stored one', 1, epoch, 'taken'),
        item(roomA, outsider, 'not a member', 1, epoch),
        { ...item(roomA, owner, 'no such room', 0, epoch), roomId: randomUUID() },
        item(roomA, member, 'a2', 1, epoch, 'twice'), // same clientMsgId as in room B: another key
        item(roomA, owner, 'a3', 1, epoch),
      ]);
      expect(rows.map(shape)).toEqual([2, 1, 'duplicate', 'refused', 'refused', 3, 4]);
      const stored = rows[0] as Extract<WriteRow, object>;
      expect([...stored.stored.memberIds].sort()).toEqual([owner.user.id, member.user.id].sort());
      expect(stored.stored.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      // No seq spent on what was not stored: history is gapless and holds exactly what was stored.
      expect((await history(api, roomA.id, owner.accessToken)).map((message) => [message.seq, message.content])).toEqual([
        [1, 'before'],
        [2, 'a1'],
        [3, 'a2'],
        [4, 'a3'],
      ]);
      // What you send you have read.
      const marker = async (room: Room, user: AuthResult): Promise<number | null> => (await api.get<Room>(`/api/rooms/${room.id}`, user.accessToken)).body.unreadCount;
      expect([await marker(roomA, owner), await marker(roomA, member), await marker(roomB, member)]).toEqual([0, 1, 0]);
    });

    it('a replaced writer stores nothing: its epoch is fenced out, the new one numbers on from what the old one committed', async () => {
      const old = await repository.takeShard(SHARD);
      const base = (await repository.lastSeqs([roomB.id])).get(roomB.id)!;
      expect((await repository.insertBatch([item(roomB, owner, 'old writer', base, old)])).map(shape)).toEqual([base + 1]);
      const current = await repository.takeShard(SHARD);
      expect(current).toBe(old + 1);
      const stale = await repository.insertBatch([item(roomB, owner, 'stale', base + 1, old), item(roomB, member, 'stale too', base + 1, old)]);
      expect(stale).toEqual(['fenced', 'fenced']);
      expect((await repository.lastSeqs([roomB.id])).get(roomB.id)).toBe(base + 1);
      expect((await repository.insertBatch([item(roomB, owner, 'new writer', base + 1, current)])).map(shape)).toEqual([base + 2]);
    });

    it('a takeover waits for the old writer\'s batch in flight, and sees what it committed', async () => {
      const old = await repository.takeShard(SHARD);
      const base = (await repository.lastSeqs([roomA.id])).get(roomA.id)!;
      // The old writer's statement, inside a transaction that has not committed yet: it holds the shard's share lock.
      const inFlight = db.createQueryRunner();
      await inFlight.connect();
      try {
        await inFlight.startTransaction();
        const values = [[roomA.id], [owner.user.id], ['in flight'], [null], [base], [SHARD], [old]];
        const rows = (await inFlight.query(SEND_STATEMENT, values)) as Array<{ seq: string }>;
        expect(Number(rows[0]!.seq)).toBe(base + 1);
        let taken: number | undefined;
        const takeover = repository.takeShard(SHARD).then((epoch) => (taken = epoch));
        // The bump waits on the share lock (a barrier: PostgreSQL reports the wait before we look at `taken`).
        await eventually(
          async () =>
            (await db.query<unknown[]>(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO writer_shards%'`)).length > 0,
          5000,
          'the takeover to wait for the share lock',
        );
        expect(taken).toBeUndefined();
        await inFlight.commitTransaction();
        expect(await takeover).toBe(old + 1);
        expect((await repository.lastSeqs([roomA.id])).get(roomA.id)).toBe(base + 1);
      } finally {
        if (inFlight.isTransactionActive) await inFlight.rollbackTransaction();
        await inFlight.release();
      }
    });
  });

  it('stores the sends of a batch one by one when the statement fails: only the culprit fails, the others keep their order and gapless seqs', async () => {
    const room = await api.createRoom(users[4]!.accessToken, uniqueName('Culprit'));
    const socket = sockets[4]!;
    await emitOk(socket, 'room:join', { roomId: room.id });
    // A trigger refuses one row with a data exception, so the whole batch statement fails as bad data would
    // (validation stops bad input such as U+0000 before it reaches PostgreSQL).
    const db = server.app.get(DataSource);
    await db.query(`CREATE FUNCTION refuse_culprit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.content = 'the culprit' THEN RAISE EXCEPTION 'refused by the test' USING ERRCODE = '22023'; END IF; RETURN NEW; END $$`);
    await db.query('CREATE TRIGGER refuse_culprit BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_culprit()');
    let acks: Ack<Message>[];
    try {
      acks = await Promise.all(
        ['fine 1', 'the culprit', 'fine 2', 'fine 3'].map((content, i) => emitAck<Message>(socket, 'message:send', { roomId: room.id, content, clientMsgId: `culprit-${i}` })),
      );
    } finally {
      await db.query('DROP TRIGGER refuse_culprit ON messages');
      await db.query('DROP FUNCTION refuse_culprit()');
    }
    expect(acks.map((ack) => (ack.ok ? ack.data.seq : ack.error.code))).toEqual([1, 'internal', 2, 3]);
    expect((await history(api, room.id, users[4]!.accessToken)).map((message) => message.content)).toEqual(['fine 1', 'fine 2', 'fine 3']);
  });

  it('acks a send only once it is committed: while the commit cannot happen, neither the ack nor message:new comes', async () => {
    const owner = users[5]!;
    const room = await api.createRoom(owner.accessToken, uniqueName('Commit'));
    const sender = sockets[5]!;
    const watcher = sockets[6]!;
    for (const socket of [sender, watcher]) await emitOk(socket, 'room:join', { roomId: room.id });
    await api.post(`/api/rooms/${room.id}/join`, {}, users[6]!.accessToken);
    const seen = collect<Message>(watcher, 'message:new');
    // Warm up: the room has its writer state, so the send below goes straight to the statement.
    const warm = await emitOk<Message>(sender, 'message:send', { roomId: room.id, content: 'warm' });
    await eventually(() => seen.length === 1, 5000, 'the first delivery');
    const db = server.app.get(DataSource);
    const shard = await holdWriterShard(server, room.id);
    try {
      let acked = false;
      const pending = emitAck<Message>(sender, 'message:send', { roomId: room.id, content: 'held' }).then((ack) => ((acked = true), ack));
      // Barrier: the statement is running and waiting on the lock (so the send has left the socket layer).
      await sendStatementWaitingOnLock(db);
      // Markers on the same paths, after: the sender's next ack on its socket, and a room broadcast to the
      // watcher. An early ack or message:new would have been written before them.
      const typing = nextEvent(watcher, 'typing');
      await emitOk(sender, 'typing', { roomId: room.id, isTyping: true });
      await typing;
      expect(acked).toBe(false);
      expect(seen.length).toBe(1);
      await shard.release();
      const ack = await pending;
      expect(ack).toMatchObject({ ok: true, data: { seq: warm.seq + 1, content: 'held' } });
      await eventually(() => seen.length === 2, 5000, 'message:new after the commit');
      expect(seen[1]).toEqual((ack as Extract<Ack<Message>, { ok: true }>).data);
    } finally {
      await shard.release();
    }
  });

  it('commits a send accepted before its client went away; the pending ack is answered by the disconnect at once', async () => {
    const author = users[7]!;
    const room = await api.createRoom(author.accessToken, uniqueName('Gone'));
    const socket = await openSocket(server.url, author, { into: sockets });
    await emitOk(socket, 'room:join', { roomId: room.id });
    await emitOk(socket, 'message:send', { roomId: room.id, content: 'warm' }); // the room has its writer state
    const db = server.app.get(DataSource);
    const shard = await holdWriterShard(server, room.id);
    try {
      const pending = emitAck<Message>(socket, 'message:send', { roomId: room.id, content: 'accepted, then gone', clientMsgId: 'gone-1' });
      await sendStatementWaitingOnLock(db);
      socket.disconnect();
      // Answered while the commit is still held, so by the disconnect (no ack can come), not by a timeout.
      const error = await pending.then(
        () => undefined,
        (rejected: unknown) => rejected,
      );
      expect(error).toBeInstanceOf(DisconnectedBeforeAck);
      expect((error as DisconnectedBeforeAck).reason).toBe('io client disconnect');
      await shard.release();
      // The send was accepted before the client left: it is stored, with nobody left to tell.
      await eventually(async () => (await history(api, room.id, author.accessToken)).length === 2, 5000, 'the accepted send to be committed');
      expect((await history(api, room.id, author.accessToken)).map((message) => [message.content, message.clientMsgId])).toEqual([
        ['warm', null],
        ['accepted, then gone', 'gone-1'],
      ]);
    } finally {
      await shard.release();
    }
  });

  it('the send statement\'s generic plan probes indexes per item: it never scans or hashes a whole table', async () => {
    // The send pool plans the statement once per connection, generically, often while tables are small (a
    // fresh deployment), and keeps the plan as they grow: a scan there would read a whole table per batch.
    const runner = server.app.get(DataSource).createQueryRunner();
    try {
      for (const [name, value] of Object.entries(SEND_SESSION_SETTINGS)) await runner.query(`SET ${name} = ${value}`);
      await runner.query(`PREPARE send_plan_probe(uuid[], uuid[], text[], text[], bigint[], int[], bigint[]) AS ${SEND_STATEMENT}`);
      const explain = `EXPLAIN (COSTS OFF) EXECUTE send_plan_probe(ARRAY['${rooms[0]!.id}']::uuid[], ARRAY['${users[0]!.user.id}']::uuid[], ARRAY['x'], ARRAY['${randomUUID()}'], ARRAY[0]::bigint[], ARRAY[0], ARRAY[1]::bigint[])`;
      const lines = ((await runner.query(explain)) as Array<{ 'QUERY PLAN': string }>).map((row) => row['QUERY PLAN']);
      const plan = lines.join('\n');
      expect(plan).toMatch(/Index (Only )?Scan using messages_client_msg_id_uq/);
      // The membership probe uses an index on both of its columns (the user's one-column index made it filter all their rooms).
      expect(plan).toMatch(/Index (Only )?Scan using memberships_(pkey|user_room_uq) on memberships m\b/);
      expect(plan).not.toMatch(/Seq Scan on|Hash Join|Hash Semi Join|hashed SubPlan/i);
      // Nor does it join two of its own row sets by a nested loop over a materialised side: estimated at a
      // few rows each, that costs n² comparisons for a batch of n items.
      expect(plan).not.toMatch(/Materialize/);
      // Every index scan is bounded by a condition (a full index scan reads the whole table too).
      const indexScans = lines.flatMap((line, i) => (/Index (Only )?Scan (using|on)/.test(line) ? [[line.trim(), lines[i + 1]?.trim()]] : []));
      expect(indexScans.length).toBeGreaterThanOrEqual(4);
      for (const [scan, next] of indexScans) expect([scan, next]).toEqual([scan, expect.stringMatching(/^Index Cond: /)]);
    } finally {
      // The connection goes back to the shared pool, which keeps its own settings.
      await runner.query('DEALLOCATE send_plan_probe').catch(() => undefined);
      await runner.query('RESET ALL');
      await runner.release();
    }
  });

  it('the statement for batches with replies, system messages or attachments never scans a whole table either', async () => {
    const runner = server.app.get(DataSource).createQueryRunner();
    try {
      for (const [name, value] of Object.entries(SEND_SESSION_SETTINGS)) await runner.query(`SET ${name} = ${value}`);
      await runner.query(`PREPARE rich_plan_probe(uuid[], uuid[], text[], text[], bigint[], int[], bigint[], text[], text[], uuid[], text[]) AS ${RICH_SEND_STATEMENT}`);
      const explain =
        `EXPLAIN (COSTS OFF) EXECUTE rich_plan_probe(ARRAY['${rooms[0]!.id}']::uuid[], ARRAY['${users[0]!.user.id}']::uuid[], ARRAY['x'], ARRAY['${randomUUID()}'], ` +
        `ARRAY[0]::bigint[], ARRAY[0], ARRAY[1]::bigint[], ARRAY['file'], ARRAY[NULL]::text[], ARRAY['${randomUUID()}']::uuid[], ARRAY['[{"id":"${randomUUID()}"}]'])`;
      const plan = ((await runner.query(explain)) as Array<{ 'QUERY PLAN': string }>).map((row) => row['QUERY PLAN']).join('\n');
      // The quoted message and the thread roots are read by their primary key, the threads' rooms by theirs, the attachments by theirs.
      expect(plan).toMatch(/Index Scan using messages_pkey on messages q\b/);
      expect(plan).toMatch(/Bitmap Index Scan on attachments_pkey|Index Scan using attachments_pkey on attachments f\b/);
      expect(plan).not.toMatch(/attachments_unsent_idx/);
      expect(plan).toMatch(/Index Scan using messages_pkey on messages m\b/);
      expect(plan).not.toMatch(/Seq Scan on|Hash Join|Hash Semi Join|hashed SubPlan/i);
    } finally {
      await runner.query('DEALLOCATE rich_plan_probe').catch(() => undefined);
      await runner.query('RESET ALL');
      await runner.release();
    }
  });
});

describe('the send path across two instances (writers and forwarding)', () => {
  const USERS = 10;
  const ROOMS = 6;
  const SEND_LIMIT = 6;
  let servers: RunningServer[];
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    // Two writer shards: each instance may write some rooms and forward the others' sends.
    servers = await startTestCluster(2, { WRITER_SHARDS: '2', SEND_RATE_LIMIT: String(SEND_LIMIT), SEND_RATE_WINDOW_MS: '60000' });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await Promise.all(servers.map((server) => server.close()));
  });

  const counter = async (server: RunningServer, name: 'sendForwards' | 'messagesPersisted'): Promise<number> =>
    (await server.app.get(Metrics)[name].get()).values.reduce((sum, value) => sum + value.value, 0);

  it('each room\'s sends reach its one writer from both instances: per-room seqs gapless, every subscriber in seq order', async () => {
    const api = new Api(servers[0]!.url);
    const users = await Promise.all(Array.from({ length: USERS }, (_, i) => api.register(uniqueName(`gx${i}_`))));
    const rooms = await Promise.all(Array.from({ length: ROOMS }, (_, i) => api.createRoom(users[0]!.accessToken, uniqueName(`Both${i}`))));
    for (const [i, user] of users.entries()) {
      const socket = await openSocket(servers[i % 2]!.url, user, { into: sockets });
      for (const room of rooms) await emitOk(socket, 'room:join', { roomId: room.id });
    }
    const inboxes = sockets.slice(0, 2).map((socket) => collect<Message>(socket, 'message:new'));
    const before = await Promise.all(servers.map((server) => counter(server, 'sendForwards')));
    const perUser = SEND_LIMIT - 1; // under the limit: it is the next test's subject
    const acks = await Promise.all(
      Array.from({ length: USERS * perUser }, (_, i) => {
        const socket = i % USERS;
        // Every room gets sends from sockets on both instances (each socket walks the rooms from its own start), so
        // whichever instance writes a room's shard, the other one forwards to it.
        const room = rooms[(Math.floor(i / USERS) + socket) % ROOMS]!;
        return emitOk<Message>(sockets[socket]!, 'message:send', { roomId: room.id, content: `x ${i}`, clientMsgId: `gx-${i}` });
      }),
    );
    acks.forEach((message, i) => expect(message.clientMsgId).toBe(`gx-${i}`));
    for (const room of rooms) {
      const acked = acks.filter((message) => message.roomId === room.id);
      // The members' joins (system messages) come first; history is gapless through them and the sends.
      const all = await history(api, room.id, users[0]!.accessToken);
      expect(all.map((message) => message.seq)).toEqual(range(all.length));
      const sent = all.filter((message) => message.type === 'text').map((message) => message.seq);
      expect(acked.map((message) => message.seq).sort((a, b) => a - b)).toEqual(sent);
      for (const inbox of inboxes) {
        await eventually(() => inbox.filter((message) => message.roomId === room.id).length >= acked.length, 10_000, 'deliveries on both instances');
        expect(inbox.filter((message) => message.roomId === room.id).map((message) => message.seq)).toEqual(sent);
      }
    }
    // Half the senders are on each instance, and each shard has one writer: sends crossed between them.
    const forwarded = (await Promise.all(servers.map((server) => counter(server, 'sendForwards')))).map((after, i) => after - before[i]!);
    expect(forwarded.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('a writer that stops answering is taken over after the forward times out: a send with a clientMsgId is stored once, one without is unavailable', async () => {
    const api = new Api(servers[0]!.url);
    const [alice, bob] = await Promise.all([api.register(uniqueName('hung')), api.register(uniqueName('hung'))]);
    const room = await api.createRoom(alice.accessToken, uniqueName('Hung'));
    await api.post(`/api/rooms/${room.id}/join`, {}, bob.accessToken);
    const shard = shardOf(room.id, 2);
    // Whoever writes the room's shard (taking it now if nobody does) stops answering forwarded sends.
    const first = await api.post<Message>(`/api/rooms/${room.id}/messages`, { content: 'first' }, alice.accessToken);
    expect(first.status).toBe(201);
    const leases = new RedisWriterLeases(new Redis(process.env.PARLEY_TEST_REDIS_URL as string), servers[0]!.config.redisPrefix, 'test', 1000);
    const writerId = await leases.holder(shard);
    const writer = servers.find((server) => server.config.instanceId === writerId)!;
    const origin = servers.find((server) => server !== writer)!;
    const hung = jest.spyOn(writer.app.get(RoomWriter), 'write').mockImplementation(() => new Promise(() => undefined));
    try {
      const socket = await openSocket(origin.url, bob, { into: sockets });
      // Without a clientMsgId the send cannot be retried safely (it may have been stored): unavailable.
      const unretryable = await emitAck<Message>(socket, 'message:send', { roomId: room.id, content: 'no id' });
      expect(unretryable).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      const started = Date.now();
      const retried = await emitAck<Message>(socket, 'message:send', { roomId: room.id, content: 'while hung', clientMsgId: 'hung-1' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(FORWARD_TIMEOUT_MS - 100);
      expect(retried).toMatchObject({ ok: true, data: { content: 'while hung', seq: first.body.seq + 1 } });
      // The origin now writes the shard; the hung writer's epoch is fenced.
      expect(await leases.holder(shard)).toBe(origin.config.instanceId);
      const again = await emitAck<Message>(socket, 'message:send', { roomId: room.id, content: 'while hung', clientMsgId: 'hung-1' });
      expect(again).toEqual(retried);
      expect((await history(api, room.id, alice.accessToken)).filter((message) => message.type === 'text').map((message) => message.content)).toEqual(['first', 'while hung']);
    } finally {
      hung.mockRestore();
      (leases as unknown as { redis: Redis }).redis.disconnect();
    }
  });

  it('counts the per-user send limit exactly across instances and writers: no overshoot', async () => {
    const api = new Api(servers[0]!.url);
    const user = await api.register(uniqueName('lim'));
    // Rooms in both shards, so both writers count this user's sends (in the same Redis window).
    const rooms: Room[] = [];
    while (new Set(rooms.map((room) => shardOf(room.id, 2))).size < 2 || rooms.length < 2) {
      rooms.push(await api.createRoom(user.accessToken, uniqueName('LimRoom')));
    }
    const pair = [rooms.find((room) => shardOf(room.id, 2) === 0)!, rooms.find((room) => shardOf(room.id, 2) === 1)!];
    const own = await Promise.all(servers.map((server) => openSocket(server.url, user, { into: sockets })));
    const acks = await Promise.all(
      Array.from({ length: SEND_LIMIT * 2 }, (_, i) =>
        emitAck<Message>(own[i % 2]!, 'message:send', { roomId: pair[Math.floor(i / 2) % 2]!.id, content: `limit ${i}`, clientMsgId: `lim-${i}` }),
      ),
    );
    const codes = acks.map((ack) => (ack.ok ? 'ok' : ack.error.code));
    expect(codes.filter((code) => code === 'ok')).toHaveLength(SEND_LIMIT);
    expect(codes.filter((code) => code === 'rate_limited')).toHaveLength(SEND_LIMIT);
  });
});

describe('message search\'s pending index entries on the send path', () => {
  /** Pages merged by one call now: how many the pending list held (merging them empties it). */
  async function pendingPages(databaseUrl: string): Promise<number> {
    const db = await new DataSource({ type: 'postgres', url: databaseUrl }).initialize();
    try {
      const rows = await db.query<Array<{ pages: string }>>(`SELECT gin_clean_pending_list('messages_search_idx'::regclass) AS pages`);
      return Number(rows[0]?.pages);
    } finally {
      await db.destroy();
    }
  }

  /** Sends 40 messages of distinct words, then waits for four merge intervals of 150 ms. */
  async function pendingAfterSends(mergeMs: string): Promise<number> {
    const databaseUrl = await createTestDatabase();
    const server = await startTestServer({ SEARCH_INDEX_MERGE_MS: mergeMs }, databaseUrl);
    try {
      const api = new Api(server.url);
      const ann = await api.register(uniqueName('gin'));
      const room = await api.createRoom(ann.accessToken, uniqueName('Gin'));
      for (const n of range(40)) {
        expect((await api.post(`/api/rooms/${room.id}/messages`, { content: `word${n} zebra${n * 7} quartz${n * 13}` }, ann.accessToken)).status).toBe(201);
      }
      await new Promise((resolve) => setTimeout(resolve, 600));
      return await pendingPages(databaseUrl);
    } finally {
      await server.close();
    }
  }

  it('are merged into the index by the writer between sends (SEARCH_INDEX_MERGE_MS), not left for a send to merge', async () => {
    // Without the writer's merge the entries wait in the list, until the send that fills it merges them all.
    expect(await pendingAfterSends('0')).toBeGreaterThan(0);
    expect(await pendingAfterSends('150')).toBe(0);
  });
});
