import { ParleyError } from './errors';
import { Http, RestApi, type FetchLike } from './http';

function respond(status: number, body?: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('Http and RestApi', () => {
  const calls: Array<{ url: string; init?: RequestInit }> = [];
  let responses: Response[];
  const fetchImpl: FetchLike = (url, init) => {
    calls.push({ url, init });
    const next = responses.shift();
    return next ? Promise.resolve(next) : Promise.reject(new Error('connection refused'));
  };
  let token: string | null;
  let recovered: string | null;
  const http = (): Http => new Http('http://server', { accessToken: () => Promise.resolve(token), recover: () => Promise.resolve(recovered) }, fetchImpl);

  beforeEach(() => {
    calls.length = 0;
    responses = [];
    token = 'access-1';
    recovered = 'access-2';
  });

  it('sends JSON with the bearer token and parses the answer', async () => {
    responses.push(respond(201, { id: 'r1' }));
    const room = await new RestApi(http()).rooms.create({ name: 'general' });
    expect(room).toEqual({ id: 'r1' });
    expect(calls[0]?.url).toBe('http://server/api/rooms');
    expect(calls[0]?.init?.method).toBe('POST');
    expect((calls[0]?.init?.headers as Record<string, string>).authorization).toBe('Bearer access-1');
    expect(calls[0]?.init?.body).toBe('{"name":"general"}');
  });

  it('builds query strings and encodes path segments', async () => {
    responses.push(respond(200, { messages: [], hasMore: false }), respond(200, []));
    const api = new RestApi(http());
    await api.messages.page('a/b', { before: 10, limit: 5 });
    await api.rooms.list({ joined: true });
    expect(calls.map((call) => call.url)).toEqual(['http://server/api/rooms/a%2Fb/messages?before=10&limit=5', 'http://server/api/rooms?joined=true']);
  });

  it('searches messages, users and rooms with every filter in the query string', async () => {
    const page = { hits: [], nextCursor: 'c2' };
    responses.push(respond(200, page), respond(200, []), respond(200, []), respond(200, { messages: [], hasMore: false }));
    const api = new RestApi(http());
    expect(await api.search.messages({ q: 'café "release notes"', roomId: 'r1', authorId: 'u1', before: '2026-12-01T00:00:00Z', limit: 5, cursor: 'c1' })).toEqual(page);
    await api.search.users('zoë', 3);
    await api.search.rooms('general');
    await api.messages.around('r1', 17, 10);
    expect(calls.map((call) => call.url)).toEqual([
      'http://server/api/search/messages?q=caf%C3%A9+%22release+notes%22&roomId=r1&authorId=u1&before=2026-12-01T00%3A00%3A00Z&limit=5&cursor=c1',
      'http://server/api/search/users?q=zo%C3%AB&limit=3',
      'http://server/api/search/rooms?q=general',
      'http://server/api/rooms/r1/messages?around=17&limit=10',
    ]);
    expect(calls.every((call) => call.init?.method === 'GET')).toBe(true);
  });

  it('turns contract errors into ParleyError with code, status and details', async () => {
    responses.push(respond(400, { statusCode: 400, code: 'validation_failed', message: 'bad', details: { name: ['too long'] } }));
    const error = await new RestApi(http()).rooms.create({ name: 'x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ParleyError);
    expect(error).toMatchObject({ code: 'validation_failed', status: 400, message: 'bad', details: { name: ['too long'] } });
  });

  it('retries once with a refreshed token after a 401', async () => {
    responses.push(respond(401, { statusCode: 401, code: 'unauthorized', message: 'expired' }), respond(200, { id: 'me' }));
    expect(await new RestApi(http()).users.me()).toEqual({ id: 'me' });
    expect((calls[1]?.init?.headers as Record<string, string>).authorization).toBe('Bearer access-2');
  });

  it('does not refresh the token when a password asked again was wrong (invalid_credentials)', async () => {
    let recoveries = 0;
    const counting = new Http('http://server', { accessToken: () => Promise.resolve(token), recover: () => Promise.resolve(`access-${++recoveries + 1}`) }, fetchImpl);
    responses.push(respond(401, { statusCode: 401, code: 'invalid_credentials', message: 'Wrong password' }));
    await expect(new RestApi(counting).auth.changePassword('wrong', 'new-password')).rejects.toMatchObject({ code: 'invalid_credentials', status: 401 });
    expect(recoveries).toBe(0);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe('http://server/api/auth/password');
    expect((calls[0]?.init?.headers as Record<string, string>).authorization).toBe('Bearer access-1');
  });

  it('sends the password in the body of DELETE /api/users/me', async () => {
    responses.push(respond(204));
    await new RestApi(http()).users.deleteMe('secret-password');
    expect([calls[0]?.init?.method, calls[0]?.url, calls[0]?.init?.body]).toEqual(['DELETE', 'http://server/api/users/me', '{"password":"secret-password"}']);
  });

  it('gives up with unauthorized when the session cannot be recovered', async () => {
    recovered = null;
    responses.push(respond(401, { statusCode: 401, code: 'unauthorized', message: 'expired' }));
    await expect(new RestApi(http()).users.me()).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
    expect(calls).toHaveLength(1);
  });

  it('sends auth calls without a token and reports network failures as code "network"', async () => {
    responses.push(respond(204));
    await new RestApi(http()).auth.logout('refresh');
    expect((calls[0]?.init?.headers as Record<string, string>).authorization).toBeUndefined();
    await expect(new RestApi(http()).users.me()).rejects.toMatchObject({ code: 'network' });
  });

  it('calls the contacts, blocks and status endpoints with their methods, paths and bodies', async () => {
    for (let i = 0; i < 9; i++) responses.push(respond(200, {}));
    const api = new RestApi(http());
    await api.contacts.list();
    await api.contacts.add('u1');
    await api.contacts.remove('u/1');
    await api.blocks.list();
    await api.blocks.block('u2');
    await api.blocks.unblock('u2');
    await api.statuses.mine();
    await api.statuses.set({ status: 'busy', statusText: null });
    await api.statuses.of('u3');
    expect(calls.map((call) => `${call.init?.method} ${call.url.replace('http://server', '')} ${typeof call.init?.body === 'string' ? call.init.body : ''}`.trim())).toEqual([
      'GET /api/contacts',
      'POST /api/contacts {"userId":"u1"}',
      'DELETE /api/contacts/u%2F1',
      'GET /api/users/me/blocks',
      'POST /api/users/u2/block',
      'DELETE /api/users/u2/block',
      'GET /api/users/me/status',
      'PUT /api/users/me/status {"status":"busy","statusText":null}',
      'GET /api/users/u3/status',
    ]);
  });

  it('calls the moderation endpoints with their methods, paths and bodies', async () => {
    const api = new RestApi(http());
    for (let i = 0; i < 13; i++) responses.push(respond(200, {}));
    await api.rooms.mute('r1', 'u2', { durationSeconds: 600, reason: 'flood' });
    await api.rooms.mute('r1', 'u2');
    await api.rooms.unmute('r1', 'u2');
    await api.rooms.ban('r1', 'u2', { reason: 'spam' });
    await api.rooms.unban('r1', 'u2');
    await api.rooms.setRole('r1', 'u2', 'moderator');
    await api.rooms.sanctions('r1', 'mute');
    await api.rooms.audit('r1', { action: 'member.banned', before: 40, limit: 10 });
    await api.messages.report('r1', 'm9', 'spam');
    await api.admin.reports({ status: 'open' });
    await api.admin.resolveReport(7, 'actioned', { deleteMessage: true });
    await api.admin.audit({ roomId: 'r1', actorId: 'u1' });
    await api.admin.suspend('u2');
    expect(calls.map((call) => [call.init?.method, call.url.replace('http://server', ''), call.init?.body])).toEqual([
      ['POST', '/api/rooms/r1/members/u2/mute', '{"durationSeconds":600,"reason":"flood"}'],
      ['POST', '/api/rooms/r1/members/u2/mute', '{}'],
      ['DELETE', '/api/rooms/r1/members/u2/mute', undefined],
      ['POST', '/api/rooms/r1/bans', '{"userId":"u2","reason":"spam"}'],
      ['DELETE', '/api/rooms/r1/bans/u2', undefined],
      ['PATCH', '/api/rooms/r1/members/u2', '{"role":"moderator"}'],
      ['GET', '/api/rooms/r1/sanctions?kind=mute', undefined],
      ['GET', '/api/rooms/r1/audit?action=member.banned&before=40&limit=10', undefined],
      ['POST', '/api/rooms/r1/messages/m9/report', '{"reason":"spam"}'],
      ['GET', '/api/admin/reports?status=open', undefined],
      ['POST', '/api/admin/reports/7/resolve', '{"resolution":"actioned","deleteMessage":true}'],
      ['GET', '/api/admin/audit?roomId=r1&actorId=u1', undefined],
      ['POST', '/api/admin/users/u2/suspend', undefined],
    ]);
  });
});
