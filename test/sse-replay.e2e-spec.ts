import type { RunningServer } from '../apps/server/src/server';
import type { AuthResult, DurableNotification, MessageNotification, Room } from '@parley/contract';
import { DataSource, type QueryRunner } from 'typeorm';
import { NotificationBus } from '../libs/notifications/src/notification-bus';
import { NotificationsRepository } from '../libs/notifications/src/notifications.repository';
import { Api, eventually, uniqueName } from './support/client';
import { startTestCluster } from './support/server';
import { SseClient, type SseEvent } from './support/sse';

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const durableIds = (client: SseClient): number[] => client.events.filter((event) => event.id !== undefined).map((event) => Number(event.id));
const durable = (client: SseClient): SseEvent[] => client.events.filter((event) => event.id !== undefined);

/**
 * The SSE stream's merge of its replay (read from PostgreSQL after Last-Event-ID) with the live durable events
 * that reach it meanwhile (contract §6: every durable notification once, in id order, no gap). Two instances:
 * A holds the streams, B is "another instance" publishing on the real Redis channels.
 */
describe('SSE replay merged with live events', () => {
  let servers: RunningServer[];
  let apiA: Api;
  let apiB: Api;
  let alice: AuthResult;
  let room: Room;
  const streams: SseClient[] = [];

  const stream = async (server: RunningServer, user: AuthResult, lastEventId: number): Promise<SseClient> => {
    const client = await SseClient.connect(`${server.url}/api/notifications/stream?token=${user.accessToken}`, { 'last-event-id': String(lastEventId) });
    streams.push(client);
    expect(client.status).toBe(200);
    return client;
  };
  const mention = async (user: AuthResult, text: string): Promise<void> => {
    expect((await apiB.post(`/api/rooms/${room.id}/messages`, { content: `@${user.user.username} ${text}` }, alice.accessToken)).status).toBe(201);
  };
  const currentId = async (user: AuthResult): Promise<number> => (await apiA.get<DurableNotification[]>('/api/notifications?limit=1', user.accessToken)).body[0]?.id ?? 0;

  beforeAll(async () => {
    servers = await startTestCluster(2);
    apiA = new Api(servers[0]!.url);
    apiB = new Api(servers[1]!.url);
    alice = await apiA.register(uniqueName('ra'));
    room = await apiA.createRoom(alice.accessToken, uniqueName('Replay'));
  });
  afterEach(async () => {
    await Promise.all(streams.splice(0).map((client) => client.close()));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  it('buffers live events that arrive while the replay read is held, then sends every event once, in id order', async () => {
    const bob = await apiA.register(uniqueName('rb'));
    for (let i = 1; i <= 5; i++) await mention(bob, `backlog ${i}`);
    await eventually(async () => (await currentId(bob)) === 5, 5000, 'five stored mentions');

    // A witness stream of Bob's on the same instance, its replay done (it got #5): it hears every live event
    // A dispatches, in the same handler call as the held stream, so it is the barrier for "A has them queued".
    const witness = await stream(servers[0]!, bob, 4);
    await eventually(() => durableIds(witness).includes(5), 5000, "the witness's replay");

    const db = servers[1]!.app.get(DataSource);
    const holder: QueryRunner = db.createQueryRunner();
    let held = false;
    try {
      await holder.connect();
      await holder.startTransaction();
      // Nothing reads the notifications table until this transaction ends: the held stream's replay waits.
      await holder.query('LOCK TABLE notifications IN ACCESS EXCLUSIVE MODE');
      held = true;
      const resumed = await stream(servers[0]!, bob, 0);
      await eventually(
        async () => {
          const waiting = await db.query<Array<{ count: number }>>(
            `SELECT count(*)::int AS count FROM pg_locks
             WHERE NOT granted AND relation = 'notifications'::regclass AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          );
          return waiting[0]!.count === 1;
        },
        5000,
        'the replay read waiting on the lock',
      );

      // Arriving during the replay, (a): #6–#8, stored in the lock's transaction, so committed when the replay
      // reads: it sends them, and their live copies must not be sent again.
      const bus = servers[1]!.app.get(NotificationBus);
      const inLock = new NotificationsRepository(holder.manager as unknown as DataSource);
      const data = (text: string): MessageNotification => ({ roomId: room.id, messageId: text, seq: 0, author: alice.user, preview: text });
      for (const text of ['live 6', 'live 7', 'live 8']) {
        const notification = await inLock.insert(bob.user.id, 'mention', data(text));
        await bus.toUser(bob.user.id, { kind: 'durable', notification });
      }
      // (b): #9 and #10, committed only after the replay has read (as when a commit lands just after the
      // replay's snapshot): the replay cannot see them, so only their live copies can deliver them.
      const later = [9, 10].map((id): DurableNotification => ({ id, type: 'mention', data: data(`live ${id}`), createdAt: new Date().toISOString(), readAt: null }));
      for (const notification of later) await bus.toUser(bob.user.id, { kind: 'durable', notification });
      await eventually(() => durableIds(witness).includes(10), 5000, 'the live events at the witness');
      expect(durableIds(witness)).toEqual(range(5, 10));
      expect(durableIds(resumed)).toEqual([]); // held: nothing, not even the live ones, overtakes the replay

      await holder.commitTransaction();
      held = false;
      await eventually(() => durableIds(resumed).includes(10), 5000, 'the replay and the buffered live events');
      for (const notification of later) await new NotificationsRepository(db).insert(bob.user.id, notification.type, notification.data);
      // The marker: a real mention, on the same path after everything above (a late duplicate would precede it).
      await mention(bob, 'after');
      await eventually(() => durableIds(resumed).includes(11), 5000, 'the live mention after the replay');

      expect(durableIds(resumed)).toEqual(range(1, 11));
      const previews = durable(resumed).map((event) => (event.data as MessageNotification).preview);
      expect(previews).toEqual([...range(1, 5).map((i) => `@${bob.user.username} backlog ${i}`), ...range(6, 10).map((i) => `live ${i}`), `@${bob.user.username} after`]);
      // What the stream sent is what a fresh replay reads now (the live copies carried the stored data).
      const fresh = await stream(servers[1]!, bob, 0);
      await eventually(() => durableIds(fresh).length === 11, 5000, 'a fresh replay');
      expect(durable(fresh)).toEqual(durable(resumed));
    } finally {
      if (held) await holder.rollbackTransaction();
      await holder.release();
    }
  });

  it('replays a backlog of 1203 (three pages) in id order, each once, then goes live', async () => {
    const BACKLOG = 1203;
    const carol = await apiA.register(uniqueName('rc'));
    const db = servers[0]!.app.get(DataSource);
    // Stored the way the repository stores them (the user's counter moves with each), in one statement.
    await db.query(
      `WITH bumped AS (UPDATE users SET last_notification_id = $2 WHERE id = $1 RETURNING id)
       INSERT INTO notifications (user_id, id, type, data)
       SELECT bumped.id, n, 'mention', jsonb_build_object('roomId', $3::text, 'messageId', 'm' || n, 'seq', n, 'author', $4::jsonb, 'preview', 'backlog ' || n)
       FROM bumped, generate_series(1, $2::int) AS n`,
      [carol.user.id, BACKLOG, room.id, JSON.stringify(alice.user)],
    );
    const resumed = await stream(servers[0]!, carol, 0);
    await eventually(() => durableIds(resumed).length >= BACKLOG, 20_000, 'the backlog');
    await mention(carol, 'live');
    await eventually(() => durableIds(resumed).includes(BACKLOG + 1), 5000, 'the live mention');
    expect(durableIds(resumed)).toEqual(range(1, BACKLOG + 1));
    expect(durable(resumed).map((event) => (event.data as MessageNotification).preview)).toEqual([...range(1, BACKLOG).map((n) => `backlog ${n}`), `@${carol.user.username} live`]);
  });
});
