import type { RunningServer } from '../apps/server/src/server';
import type { AuthResult, ErrorBody, ErrorCode, Message, MessagePage, Room } from '@parley/contract';
import { Api, connected, connectSocket, emitAck, emitOk, uniqueName, type TestSocket } from './support/client';
import { startTestServer } from './support/server';

const UUID_OF_NOTHING = '00000000-0000-4000-8000-000000000000';
const SQL = "'; DROP TABLE messages; --";
const HTML = '<img src=x onerror=alert(1)>';

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
    socket = await connected(connectSocket(server.url, user.accessToken));
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
  ];

  it(`has a table of at least 30 malformed socket payloads`, () => {
    expect(socketCases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(socketCases)('%s → %s', async (_label, event, payload, code) => {
    const response = await emitAck(socket, event, payload());
    expect(response).toEqual({ ok: false, error: expect.objectContaining({ code, message: expect.any(String) }) });
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
    const victim = await connected(connectSocket(server.url, user.accessToken));
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

  it('is still healthy after all of the above', async () => {
    const health = await api.get<{ status: string }>('/api/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    expect(socket.connected).toBe(true);
  });
});
