import type { RunningServer } from '../apps/server/src/server';
import { MemorySessionStore, ParleyClient, type Notification } from '@parley/client';
import type { Message } from '@parley/contract';
import { NotificationStreams } from '@parley/notifications';
import { eventually, uniqueName } from './support/client';
import { freePort } from '../tools/ports';
import { startTestCluster, startTestServer } from './support/server';

/** The SDK against real instances: order, exactly-once, reconnects across an instance restart, refresh. */
describe('client SDK (libs/client) against a cluster', () => {
  let servers: RunningServer[];
  const clients: ParleyClient[] = [];

  const client = (server: RunningServer | string): ParleyClient => {
    const sdk = new ParleyClient({ baseUrl: typeof server === 'string' ? server : server.url, store: new MemorySessionStore(), gapWaitMs: 200 });
    clients.push(sdk);
    return sdk;
  };
  const connected = (sdk: ParleyClient): Promise<void> =>
    new Promise((resolve) => {
      if (sdk.status === 'connected') return resolve();
      const off = sdk.on('status', (status) => {
        if (status === 'connected') {
          off();
          resolve();
        }
      });
    });

  beforeAll(async () => {
    servers = await startTestCluster(2);
  });
  afterAll(async () => {
    for (const sdk of clients) await sdk.logout();
    await Promise.all(servers.map((server) => server.close()));
  });

  it('gives every client every message exactly once, in seq order, with senders on both instances', async () => {
    const alice = client(servers[0]!);
    const bob = client(servers[1]!);
    await alice.register(uniqueName('sa'), 'password123');
    await bob.register(uniqueName('sb'), 'password123');
    const room = await alice.rest.rooms.create({ name: uniqueName('Sdk') });
    alice.connect();
    bob.connect();
    await Promise.all([connected(alice), connected(bob)]);
    const seen = { alice: [] as number[], bob: [] as number[] };
    const aliceRoom = alice.room(room.id);
    const bobRoom = bob.room(room.id);
    // Bob's join (a system message, seq 1) reaches Alice, already subscribed: the sends are what both must see.
    aliceRoom.on('message', (message) => message.type === 'text' && seen.alice.push(message.seq));
    bobRoom.on('message', (message) => message.type === 'text' && seen.bob.push(message.seq));
    await aliceRoom.join();
    await bobRoom.join();
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? aliceRoom : bobRoom).send(`m${i}`)));
    const all = Array.from({ length: 40 }, (_, i) => i + 2);
    await eventually(() => seen.alice.length === 40 && seen.bob.length === 40, 10_000, 'deliveries');
    expect(seen.alice).toEqual(all);
    expect(seen.bob).toEqual(all);
  });

  it('recovers every message missed while its instance restarts, exactly once and in order', async () => {
    const port = await freePort();
    const env = (config: RunningServer['config']): Record<string, string> => ({
      REDIS_URL: config.redisUrl ?? '',
      REDIS_PREFIX: config.redisPrefix,
      PORT: String(port),
      INSTANCE_ID: `${config.redisPrefix}-restarting`,
    });
    let restarting = await startTestServer(env(servers[0]!.config), servers[0]!.config.databaseUrl);
    const sender = client(servers[0]!);
    const reader = client(`http://127.0.0.1:${port}`);
    await sender.register(uniqueName('ss'), 'password123');
    await reader.register(uniqueName('sr'), 'password123');
    const room = await sender.rest.rooms.create({ name: uniqueName('Restart') });
    sender.connect();
    reader.connect();
    await Promise.all([connected(sender), connected(reader)]);
    const seen: Message[] = [];
    const senderRoom = sender.room(room.id);
    const readerRoom = reader.room(room.id);
    readerRoom.on('message', (message) => seen.push(message));
    await senderRoom.join();
    await readerRoom.join();
    for (let i = 1; i <= 5; i++) await senderRoom.send(`before ${i}`);
    await eventually(() => seen.length === 5, 5000, 'live before the restart');

    await restarting.close();
    await eventually(() => reader.status !== 'connected', 5000, 'reader notices');
    for (let i = 1; i <= 20; i++) await senderRoom.send(`during ${i}`);
    restarting = await startTestServer(env(servers[0]!.config), servers[0]!.config.databaseUrl);
    try {
      await connected(reader);
      for (let i = 1; i <= 5; i++) await senderRoom.send(`after ${i}`);
      await eventually(() => seen.length === 30, 15_000, 'everything after the restart');
      // Seq 1 is the reader's own join (a system message), before its subscription.
      expect(seen.map((message) => message.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 2));
      expect(new Set(seen.map((message) => message.id)).size).toBe(30);
    } finally {
      await reader.logout();
      await restarting.close();
    }
  });

  it('refreshes an expiring access token by itself and keeps the session', async () => {
    const sdk = client(servers[1]!);
    await sdk.register(uniqueName('rf'), 'password123');
    const sessions: Array<string | undefined> = [];
    sdk.on('session', (session) => sessions.push(session?.accessToken));
    // Pretend the token is about to expire: the next call refreshes first.
    const store = (sdk as unknown as { session: { accessTokenExpiresAt: number; refreshAt: number } }).session;
    store.accessTokenExpiresAt = Date.now() + 1000;
    store.refreshAt = Date.now();
    const me = await sdk.rest.users.me();
    expect(me.id).toBe(sdk.user?.id);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toEqual(expect.any(String));
  });

  it('streams notifications (mentions with ids) through the SDK', async () => {
    const alice = client(servers[0]!);
    const bob = client(servers[1]!);
    await alice.register(uniqueName('na'), 'password123');
    const bobUser = await bob.register(uniqueName('nb'), 'password123');
    const received: Notification[] = [];
    bob.on('notification', (notification) => received.push(notification));
    // Once the server holds Bob's stream, its starting point is fixed: a mention sent from then on is replayed
    // or arrives live, so it is sent once (resending until one arrives would hide a lost notification).
    const streams = servers[1]!.app.get(NotificationStreams);
    const before = streams.size;
    bob.startNotifications();
    await eventually(() => streams.size === before + 1, 5000, "Bob's stream on the server");
    const room = await alice.rest.rooms.create({ name: uniqueName('SdkNotify') });
    const sent = await alice.rest.messages.send(room.id, `ping @${bobUser.username}`);
    await eventually(() => received.some((notification) => notification.event === 'mention'), 5000, 'mention through the SDK');
    expect(received.filter((notification) => notification.event === 'mention')).toEqual([
      { event: 'mention', id: expect.any(Number), data: expect.objectContaining({ roomId: room.id, messageId: sent.id, seq: sent.seq }) },
    ]);
    bob.stopNotifications();
  });
});
