import type { RunningServer } from '../apps/server/src/server';
import type { AuthResult, ErrorBody, ErrorCode, Message, MessagePage, Room } from '@parley/contract';
import { Api, emitAck, emitOk, openSocket, uniqueName, type TestSocket } from './support/client';
import { startTestServer } from './support/server';

const UUID_OF_NOTHING = '00000000-0000-4000-8000-000000000000';
const SQL = "'; DROP TABLE messages; --";
const HTML = '<img src=x onerror=alert(1)>';
const NUL = '\u0000';
/** 60 KB of JSON nested 10 000 levels deep: under every size limit, deep enough to overflow a recursive transform. */
const DEEP_JSON = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;

describe('malformed input: clear errors, nothing lost, server keeps serving', () => {
  let server: RunningServer;
  let api: Api;
  let user: AuthResult;
  let room: Room;
  let socket: TestSocket;

  beforeAll(async () => {
    server = await startTestServer({ SOCKET_MAX_PAYLOAD: String(64 * 1024) });
    api = new Api(server.url);
    user = await api.register(uniqueName('mal'));
    room = await api.createRoom(user.accessToken, uniqueName('Garbage'));
    socket = await openSocket(server.url, user);
    await emitOk(socket, 'room:join', { roomId: room.id });
  });
  afterAll(async () => {
    socket.disconnect();
    await server.close();
  });

  const roomId = (): string => room.id;
  // [label, event, payload factory, expected code]
  const socketCases: Array<[string, string, () => unknown, ErrorCode]> = [
    ['send: no payload', 'message:send', () => undefined, 'validation_failed'],
    ['send: null', 'message:send', () => null, 'validation_failed'],
    ['send: string instead of object', 'message:send', () => 'hello', 'validation_failed'],
    ['send: number instead of object', 'message:send', () => 42, 'validation_failed'],
    ['send: array instead of object', 'message:send', () => [{ roomId: roomId(), content: 'x' }], 'validation_failed'],
    ['send: missing content', 'message:send', () => ({ roomId: roomId() }), 'validation_failed'],
    ['send: missing roomId', 'message:send', () => ({ content: 'x' }), 'validation_failed'],
    ['send: content is a number', 'message:send', () => ({ roomId: roomId(), content: 5 }), 'validation_failed'],
    ['send: content is an object', 'message:send', () => ({ roomId: roomId(), content: { text: 'x' } }), 'validation_failed'],
    ['send: content is an array', 'message:send', () => ({ roomId: roomId(), content: ['x'] }), 'validation_failed'],
    ['send: content is null', 'message:send', () => ({ roomId: roomId(), content: null }), 'validation_failed'],
    ['send: empty content', 'message:send', () => ({ roomId: roomId(), content: '' }), 'validation_failed'],
    ['send: whitespace-only content', 'message:send', () => ({ roomId: roomId(), content: ' \n\t ' }), 'validation_failed'],
    ['send: 5001 characters', 'message:send', () => ({ roomId: roomId(), content: 'x'.repeat(5001) }), 'validation_failed'],
    ['send: 60 000 characters (under the frame limit)', 'message:send', () => ({ roomId: roomId(), content: 'y'.repeat(60_000) }), 'validation_failed'],
    ['send: roomId not a UUID', 'message:send', () => ({ roomId: 'general', content: 'x' }), 'validation_failed'],
    ['send: roomId is SQL', 'message:send', () => ({ roomId: SQL, content: 'x' }), 'validation_failed'],
    ['send: roomId is a number', 'message:send', () => ({ roomId: 7, content: 'x' }), 'validation_failed'],
    ['send: unknown field', 'message:send', () => ({ roomId: roomId(), content: 'x', admin: true }), 'validation_failed'],
    ['send: prototype pollution key', 'message:send', () => JSON.parse(`{"roomId":"${roomId()}","content":"x","__proto__":{"admin":true}}`) as unknown, 'validation_failed'],
    ['send: clientMsgId too long', 'message:send', () => ({ roomId: roomId(), content: 'x', clientMsgId: 'c'.repeat(65) }), 'validation_failed'],
    ['send: clientMsgId empty', 'message:send', () => ({ roomId: roomId(), content: 'x', clientMsgId: '' }), 'validation_failed'],
    ['send: clientMsgId is a number', 'message:send', () => ({ roomId: roomId(), content: 'x', clientMsgId: 12 }), 'validation_failed'],
    ['send: unknown room', 'message:send', () => ({ roomId: UUID_OF_NOTHING, content: 'x' }), 'not_found'],
    ['join: sinceSeq negative', 'room:join', () => ({ roomId: roomId(), sinceSeq: -1 }), 'validation_failed'],
    ['join: sinceSeq as string', 'room:join', () => ({ roomId: roomId(), sinceSeq: '5' }), 'validation_failed'],
    ['join: sinceSeq fractional', 'room:join', () => ({ roomId: roomId(), sinceSeq: 1.5 }), 'validation_failed'],
    ['join: sinceSeq huge', 'room:join', () => ({ roomId: roomId(), sinceSeq: 1e300 }), 'validation_failed'],
    ['join: nested object as roomId', 'room:join', () => ({ roomId: { $ne: null } }), 'validation_failed'],
    ['leave: empty object', 'room:leave', () => ({}), 'validation_failed'],
    ['edit: messageId not a UUID', 'message:edit', () => ({ messageId: '1 OR 1=1', content: 'x' }), 'validation_failed'],
    ['edit: unknown message', 'message:edit', () => ({ messageId: UUID_OF_NOTHING, content: 'x' }), 'not_found'],
    ['delete: messageId array', 'message:delete', () => ({ messageId: [UUID_OF_NOTHING] }), 'validation_failed'],
    ['read: seq missing', 'message:read', () => ({ roomId: roomId() }), 'validation_failed'],
    ['read: seq is boolean', 'message:read', () => ({ roomId: roomId(), seq: true }), 'validation_failed'],
    ['typing: isTyping as string', 'typing', () => ({ roomId: roomId(), isTyping: 'yes' }), 'validation_failed'],
    ['typing: isTyping missing', 'typing', () => ({ roomId: roomId() }), 'validation_failed'],
    ['unknown event', 'message:nuke', () => ({ roomId: roomId() }), 'validation_failed'],
    ['send: NUL in content', 'message:send', () => ({ roomId: roomId(), content: `a${NUL}b` }), 'validation_failed'],
    ['send: NUL in clientMsgId', 'message:send', () => ({ roomId: roomId(), content: 'x', clientMsgId: `c${NUL}` }), 'validation_failed'],
    ['edit: NUL in content', 'message:edit', () => ({ messageId: UUID_OF_NOTHING, content: NUL }), 'validation_failed'],
    ['read: seq beyond bigint', 'message:read', () => ({ roomId: roomId(), seq: 1e20 }), 'validation_failed'],
    ['join: sinceSeq beyond bigint', 'room:join', () => ({ roomId: roomId(), sinceSeq: 1e20 }), 'validation_failed'],
  ];

  it(`has a table of at least 30 malformed socket payloads`, () => {
    expect(socketCases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(socketCases)('%s → %s', async (_label, event, payload, code) => {
    const response = await emitAck(socket, event, payload());
    expect(response).toEqual({ ok: false, error: expect.objectContaining({ code, message: expect.any(String) }) });
    expect(socket.connected).toBe(true);
  });

  /**
   * socket.io-client's encoder recurses into a payload (looking for binaries) and overflows on 10 000 levels, so
   * the packet is written as text: EVENT (2), an ack id, the JSON array; the ACK (3) comes back as a raw packet.
   */
  function emitRawAck(event: string, payloadJson: string): Promise<unknown> {
    const engine = (socket as unknown as { io: { engine: { send(data: string): void; on(event: 'packet', listener: (packet: { data?: unknown }) => void): void; off(event: 'packet', listener: (packet: { data?: unknown }) => void): void } } }).io.engine;
    const ackId = 900_000 + Math.floor(Math.random() * 99_999);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ack for raw ${event}`)), 10_000);
      const onPacket = ({ data }: { data?: unknown }): void => {
        if (typeof data !== 'string' || !data.startsWith(`3${ackId}[`)) return;
        clearTimeout(timer);
        engine.off('packet', onPacket);
        resolve((JSON.parse(data.slice(`3${ackId}`.length)) as unknown[])[0]);
      };
      engine.on('packet', onPacket);
      engine.send(`2${ackId}[${JSON.stringify(event)},${payloadJson}]`);
    });
  }

  it.each([
    ['message:send', `{"roomId":"${UUID_OF_NOTHING}","content":"x","extra":${DEEP_JSON}}`],
    ['room:join', DEEP_JSON],
  ])('%s nested 10 000 levels deep → validation_failed, connection kept', async (event, payloadJson) => {
    expect(await emitRawAck(event, payloadJson)).toEqual({ ok: false, error: { code: 'validation_failed', message: expect.stringMatching(/nested more than 16 levels/), details: expect.anything(), requestId: expect.any(String) } });
    expect(socket.connected).toBe(true);
  });

  it('stores SQL and HTML content verbatim as text', async () => {
    for (const content of [SQL, HTML, 'emoji 👩‍💻 and RTL \u202e text']) {
      const message = await emitOk<Message>(socket, 'message:send', { roomId: room.id, content });
      expect(message.content).toBe(content);
    }
    const history = await api.get<MessagePage>(`/api/rooms/${room.id}/messages?limit=3`, user.accessToken);
    expect(history.body.messages.map((message) => message.content)).toEqual([SQL, HTML, 'emoji 👩‍💻 and RTL \u202e text']);
  });

  it('survives events without an ack callback and with extra arguments', async () => {
    const raw = socket as unknown as { emit(event: string, ...args: unknown[]): void };
    raw.emit('message:send', { roomId: room.id });
    raw.emit('message:send');
    raw.emit('room:join', 'a', 'b', 'c');
    const after = await emitOk<Message>(socket, 'message:send', { roomId: room.id, content: 'still alive' });
    expect(after.content).toBe('still alive');
  });

  it('closes only the offending connection when a frame exceeds the socket payload limit', async () => {
    const victim = await openSocket(server.url, user);
    const closed = new Promise<string>((resolve) => victim.once('disconnect', resolve));
    (victim as unknown as { emit(event: string, payload: unknown): void }).emit('message:send', { roomId: room.id, content: 'z'.repeat(200 * 1024) });
    expect(await closed).toMatch(/transport (close|error)/);
    expect(socket.connected).toBe(true);
    expect((await emitOk<Message>(socket, 'message:send', { roomId: room.id, content: 'others unaffected' })).content).toBe('others unaffected');
  });

  const restCases: Array<[string, string, string, () => { body?: unknown; raw?: string }, number, ErrorCode]> = [
    ['malformed JSON', 'POST', '/api/rooms', () => ({ raw: '{"name": ' }), 400, 'validation_failed'],
    ['array body', 'POST', '/api/rooms', () => ({ body: [{ name: 'x' }] }), 400, 'validation_failed'],
    ['string body', 'POST', '/api/rooms', () => ({ raw: '"just a string"' }), 400, 'validation_failed'],
    ['null body', 'POST', '/api/rooms', () => ({ raw: 'null' }), 400, 'validation_failed'],
    ['unknown field', 'POST', '/api/rooms', () => ({ body: { name: 'x', owner: 'me' } }), 400, 'validation_failed'],
    ['visibility not in enum', 'POST', '/api/rooms', () => ({ body: { name: 'x', visibility: 'secret' } }), 400, 'validation_failed'],
    ['name too long', 'POST', '/api/rooms', () => ({ body: { name: 'n'.repeat(65) } }), 400, 'validation_failed'],
    ['description too long', 'POST', '/api/rooms', () => ({ body: { name: 'x', description: 'd'.repeat(501) } }), 400, 'validation_failed'],
    ['body over the HTTP limit', 'POST', '/api/rooms', () => ({ body: { name: 'x', description: 'd'.repeat(100 * 1024) } }), 413, 'payload_too_large'],
    ['id not a UUID', 'GET', '/api/rooms/1%20OR%201=1', () => ({}), 400, 'validation_failed'],
    ['limit too large', 'GET', '/api/rooms/:room/messages?limit=201', () => ({}), 400, 'validation_failed'],
    ['limit not a number', 'GET', '/api/rooms/:room/messages?limit=ten', () => ({}), 400, 'validation_failed'],
    ['before negative', 'GET', '/api/rooms/:room/messages?before=-5', () => ({}), 400, 'validation_failed'],
    ['unknown query parameter', 'GET', '/api/rooms/:room/messages?sort=desc', () => ({}), 400, 'validation_failed'],
    ['repeated query parameter', 'GET', '/api/rooms/:room/messages?limit=1&limit=2', () => ({}), 400, 'validation_failed'],
    ['read seq as string', 'POST', '/api/rooms/:room/read', () => ({ body: { seq: 'abc' } }), 400, 'validation_failed'],
    ['message content number', 'POST', '/api/rooms/:room/messages', () => ({ body: { content: 1 } }), 400, 'validation_failed'],
    ['dm userId not a UUID', 'POST', '/api/dms', () => ({ body: { userId: 'bob' } }), 400, 'validation_failed'],
    ['unknown route', 'GET', '/api/does-not-exist', () => ({}), 404, 'not_found'],
    ['NUL in register password', 'POST', '/api/auth/register', () => ({ body: { username: uniqueName('nul'), password: `password${NUL}123` } }), 400, 'validation_failed'],
    ['NUL in login username', 'POST', '/api/auth/login', () => ({ body: { username: `a${NUL}b`, password: 'password123' } }), 400, 'validation_failed'],
    ['NUL in room name', 'POST', '/api/rooms', () => ({ body: { name: `a${NUL}b` } }), 400, 'validation_failed'],
    ['NUL in room description', 'PATCH', '/api/rooms/:room', () => ({ body: { description: NUL } }), 400, 'validation_failed'],
    ['NUL in message content', 'POST', '/api/rooms/:room/messages', () => ({ body: { content: `hi${NUL}` } }), 400, 'validation_failed'],
    ['NUL in clientMsgId', 'POST', '/api/rooms/:room/messages', () => ({ body: { content: 'hi', clientMsgId: NUL } }), 400, 'validation_failed'],
    ['NUL in an edit', 'PATCH', `/api/rooms/:room/messages/${UUID_OF_NOTHING}`, () => ({ body: { content: NUL } }), 400, 'validation_failed'],
    ['NUL in user search', 'GET', '/api/users?search=a%00b', () => ({}), 400, 'validation_failed'],
    ['NUL in the stream token', 'GET', '/api/notifications/stream?token=a%00b', () => ({}), 400, 'validation_failed'],
    ['body nested 10 000 levels deep (rooms)', 'POST', '/api/rooms', () => ({ raw: DEEP_JSON }), 400, 'validation_failed'],
    ['body nested 10 000 levels deep (register)', 'POST', '/api/auth/register', () => ({ raw: DEEP_JSON }), 400, 'validation_failed'],
    ['read seq beyond bigint', 'POST', '/api/rooms/:room/read', () => ({ body: { seq: 1e20 } }), 400, 'validation_failed'],
    ['history before beyond bigint', 'GET', '/api/rooms/:room/messages?before=1e20', () => ({}), 400, 'validation_failed'],
    ['history after beyond bigint', 'GET', '/api/rooms/:room/messages?after=1e20', () => ({}), 400, 'validation_failed'],
    ['notifications before beyond bigint', 'GET', '/api/notifications?before=1e20', () => ({}), 400, 'validation_failed'],
    ['notifications read beyond bigint', 'POST', '/api/notifications/read', () => ({ body: { upToId: 1e20 } }), 400, 'validation_failed'],
    ['stream lastEventId beyond bigint (before any event-stream header)', 'GET', '/api/notifications/stream?lastEventId=1e20', () => ({}), 400, 'validation_failed'],
  ];

  it.each(restCases)('REST %s → %i %s', async (_label, method, path, input, status, code) => {
    const result = await api.request<ErrorBody>(method, path.replace(':room', room.id), { token: user.accessToken, ...input() });
    expect(result.status).toBe(status);
    expect(result.body).toEqual({
      statusCode: status,
      code,
      message: expect.any(String),
      ...(result.body.details ? { details: expect.anything() } : {}),
      requestId: result.headers.get('x-request-id'),
    });
    expect(JSON.stringify(result.body)).not.toMatch(/at .+\.(ts|js):\d+|node_modules|SELECT|INSERT/);
  });

  it('answers an outsider the same for a private room\'s message and a made-up id', async () => {
    const owner = await api.register(uniqueName('own'));
    const secret = await api.createRoom(owner.accessToken, uniqueName('Secret'), 'private');
    const ownerSocket = await openSocket(server.url, owner);
    try {
      await emitOk(ownerSocket, 'room:join', { roomId: secret.id });
      const hidden = await emitOk<Message>(ownerSocket, 'message:send', { roomId: secret.id, content: 'private' });
      for (const [event, extra] of [['message:edit', { content: 'x' }], ['message:delete', {}]] as const) {
        const existing = await emitAck(socket, event, { messageId: hidden.id, ...extra });
        const madeUp = await emitAck(socket, event, { messageId: UUID_OF_NOTHING, ...extra });
        // Each answer has its own request id; everything else is the same.
        expect(existing).toEqual({ ok: false, error: { code: 'not_found', message: 'Message not found', requestId: expect.any(String) } });
        expect(madeUp).toEqual({ ok: false, error: { code: 'not_found', message: 'Message not found', requestId: expect.any(String) } });
      }
    } finally {
      ownerSocket.disconnect();
    }
  });

  it('is still healthy after all of the above', async () => {
    const health = await api.get<{ status: string }>('/api/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    expect(socket.connected).toBe(true);
  });
});
