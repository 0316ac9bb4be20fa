import type { RunningServer } from '../apps/server/src/server';
import { MemorySessionStore, ParleyClient, type ConnectionStatus, type Session } from '@parley/client';
import type { Message } from '@parley/contract';
import { Api, uniqueName } from './support/client';
import { startTestServer } from './support/server';

/** The SDK keeps its socket through token expiry by refreshing in band, and signs out when the server ends the session. */
describe('client SDK sessions', () => {
  let server: RunningServer;
  const clients: ParleyClient[] = [];

  const client = (): ParleyClient => {
    const sdk = new ParleyClient({ baseUrl: server.url, store: new MemorySessionStore() });
    clients.push(sdk);
    return sdk;
  };
  const until = <T>(sdk: ParleyClient, event: 'status' | 'session' | 'sessionEnded', predicate: (value: never) => boolean = () => true): Promise<T> =>
    new Promise((resolve) => {
      const off = sdk.on(event, (value: unknown) => {
        if (!predicate(value as never)) return;
        off();
        resolve(value as T);
      });
    });

  beforeAll(async () => {
    server = await startTestServer({ ACCESS_TOKEN_TTL: '10' });
  });
  afterAll(async () => {
    for (const sdk of clients) await sdk.logout();
    await server.close();
  });

  it('refreshes before the access token expires and keeps the same socket open past the first token’s expiry', async () => {
    const sdk = client();
    await sdk.register(uniqueName('inband'), 'password123');
    const first = (sdk as unknown as { session: Session }).session;
    const statuses: ConnectionStatus[] = [];
    const isConnected = until(sdk, 'status', (status: ConnectionStatus) => status === 'connected');
    sdk.connect();
    await isConnected;
    sdk.on('status', (status) => statuses.push(status));
    const socketId = (sdk as unknown as { socket: { id: string } }).socket.id;

    // The SDK refreshes (a quarter of the 10 s lifetime ahead), then hands the socket the new token.
    const refreshed = await until<Session>(sdk, 'session', (session: Session | null) => session !== null && session.accessToken !== first.accessToken);
    expect(refreshed.accessTokenExpiresAt).toBeGreaterThan(first.accessTokenExpiresAt);
    // Past the first token's expiry the same socket still works (the server would have ended it with auth:expired).
    while (Date.now() < first.accessTokenExpiresAt + 1500) await new Promise((resolve) => setTimeout(resolve, 100));
    const room = await sdk.rest.rooms.create({ name: uniqueName('Live') });
    const handle = sdk.room(room.id);
    await handle.join();
    const sent: Message = await handle.send('still here');
    expect(sent.content).toBe('still here');
    expect(statuses).toEqual([]);
    expect((sdk as unknown as { socket: { id: string } }).socket.id).toBe(socketId);
  }, 30_000);

  it('signs out when another session changes the password, with the reason', async () => {
    const name = uniqueName('sdkpw');
    const sdk = client();
    await sdk.register(name, 'password123');
    const isConnected = until(sdk, 'status', (status: ConnectionStatus) => status === 'connected');
    sdk.connect();
    sdk.startNotifications();
    await isConnected;

    const api = new Api(server.url);
    const other = await api.post<{ accessToken: string }>('/api/auth/login', { username: name, password: 'password123' });
    const ended = until<{ reason: string }>(sdk, 'sessionEnded');
    const signedOut = until<Session | null>(sdk, 'session', (session: Session | null) => session === null);
    expect((await api.post('/api/auth/password', { currentPassword: 'password123', newPassword: 'another-password' }, other.body.accessToken)).status).toBe(204);
    expect(await ended).toEqual({ reason: 'password_changed' });
    expect(await signedOut).toBeNull();
    expect(sdk.user).toBeNull();
    expect(sdk.status).toBe('disconnected');
  });

  it('adopts the tokens another client sharing its store (a second tab) already rotated, instead of reusing the old refresh token', async () => {
    const store = new MemorySessionStore();
    const firstTab = new ParleyClient({ baseUrl: server.url, store });
    clients.push(firstTab);
    await firstTab.register(uniqueName('tabs'), 'password123');
    const secondTab = new ParleyClient({ baseUrl: server.url, store: { load: () => store.load(), save: (session) => store.save(session) } });
    clients.push(secondTab);
    const rotated = await firstTab.refresh();
    expect(await secondTab.refresh()).toBe(rotated);
    // Nothing looked like a reuse: the session lives on for both.
    expect(await firstTab.rest.users.me()).toMatchObject({ id: firstTab.user?.id });
    expect(await secondTab.rest.users.me()).toMatchObject({ id: secondTab.user?.id });
  });

  it('changes the password without refreshing on a wrong one, and deletes the account', async () => {
    const name = uniqueName('sdkdel');
    const sdk = client();
    await sdk.register(name, 'password123');
    const before = (sdk as unknown as { session: Session }).session.refreshToken;
    await expect(sdk.changePassword('wrong-password', 'new-password-1')).rejects.toMatchObject({ code: 'invalid_credentials' });
    expect((sdk as unknown as { session: Session }).session.refreshToken).toBe(before);
    await sdk.changePassword('password123', 'new-password-1');
    expect(await sdk.rest.users.me()).toMatchObject({ username: name });
    await sdk.deleteAccount('new-password-1');
    expect(sdk.user).toBeNull();
    const login = await new Api(server.url).post<{ code: string }>('/api/auth/login', { username: name, password: 'new-password-1' });
    expect(login.body.code).toBe('invalid_credentials');
  });
});
