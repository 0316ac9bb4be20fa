import type { RunningServer } from '../apps/server/src/server';
import type { AuthResult, ErrorBody, Message, MessagePage, Room, SearchPage, User } from '@parley/contract';
import { DataSource } from 'typeorm';
import { Api, eventually, uniqueName } from './support/client';
import { startTestServer } from './support/server';

/** Search (contract §9) against the real PostgreSQL: ranking, accents, paging, access, bad input, around=seq. */
describe('search (contract §9)', () => {
  let server: RunningServer;
  let api: Api;
  let alice: AuthResult;
  let bob: AuthResult;
  let carol: AuthResult;
  let lobby: Room;

  const send = async (token: string, roomId: string, content: string): Promise<Message> => {
    const result = await api.post<Message>(`/api/rooms/${roomId}/messages`, { content }, token);
    if (result.status !== 201) throw new Error(`send: ${result.status} ${JSON.stringify(result.body)}`);
    return result.body;
  };
  const join = async (token: string, roomId: string): Promise<void> => {
    expect((await api.post(`/api/rooms/${roomId}/join`, {}, token)).status).toBe(200);
  };
  const search = (token: string, query: Record<string, string | number>) =>
    api.get<SearchPage & ErrorBody>(`/api/search/messages?${new URLSearchParams(Object.entries(query).map(([key, value]) => [key, String(value)])).toString()}`, token);
  const found = async (token: string, query: Record<string, string | number>): Promise<SearchPage> => {
    const result = await search(token, query);
    if (result.status !== 200) throw new Error(`search ${JSON.stringify(query)}: ${result.status} ${JSON.stringify(result.body)}`);
    return result.body;
  };
  const highlighted = (hit: SearchPage['hits'][number]): string[] => hit.highlights.map(({ start, end }) => hit.snippet.slice(start, end));

  beforeAll(async () => {
    server = await startTestServer();
    api = new Api(server.url);
    [alice, bob, carol] = [await api.register(uniqueName('alice')), await api.register(uniqueName('bob')), await api.register(uniqueName('carol'))];
    lobby = await api.createRoom(alice.accessToken, uniqueName('Lobby'));
    await join(bob.accessToken, lobby.id);
  });
  afterAll(() => server.close());

  it('finds words in rooms and DMs the caller is in, with a plain-text snippet and the matched words highlighted', async () => {
    const dm = (await api.post<Room>('/api/dms', { userId: bob.user.id }, alice.accessToken)).body;
    const message = await send(alice.accessToken, dm.id, 'A walrus <b>walks</b> into the bar');
    const page = await found(bob.accessToken, { q: 'walrus' });
    expect(page.hits).toHaveLength(1);
    const [hit] = page.hits;
    expect(hit?.message).toMatchObject({ id: message.id, roomId: dm.id, seq: message.seq, content: message.content, author: { id: alice.user.id } });
    expect(hit?.room).toEqual({ id: dm.id, name: dm.name, kind: 'direct' });
    expect(hit?.snippet).toBe('A walrus <b>walks</b> into the bar');
    expect(highlighted(hit!)).toEqual(['walrus']);
    expect(page.nextCursor).toBeNull();
    // Carol is in neither the DM nor the lobby.
    expect((await found(carol.accessToken, { q: 'walrus' })).hits).toEqual([]);
  });

  it('ranks a message with the words close together above one with them far apart', async () => {
    const far = await send(alice.accessToken, lobby.id, 'deploy the build after lunch, then have a look at the servers and the logs, and staging');
    const near = await send(alice.accessToken, lobby.id, 'deploy staging now please');
    const page = await found(bob.accessToken, { q: 'staging deploy' });
    expect(page.hits.map((hit) => hit.message.id)).toEqual([near.id, far.id]);
    expect(page.hits[0]!.rank).toBeGreaterThan(page.hits[1]!.rank);
    expect(highlighted(page.hits[0]!)).toEqual(['deploy staging']);
  });

  it('ignores accents and case, both ways, and highlights the word as written', async () => {
    const message = await send(alice.accessToken, lobby.id, 'Rendez-vous au Café Crème à midi');
    for (const q of ['cafe creme', 'CAFÉ', 'crème']) {
      const page = await found(bob.accessToken, { q });
      expect(page.hits.map((hit) => hit.message.id)).toEqual([message.id]);
    }
    const plain = await send(alice.accessToken, lobby.id, 'the resume is attached');
    expect((await found(bob.accessToken, { q: 'résumé' })).hits.map((hit) => hit.message.id)).toEqual([plain.id]);
    const hit = (await found(bob.accessToken, { q: 'cafe' })).hits[0]!;
    expect(hit.snippet).toBe('Rendez-vous au Café Crème à midi');
    expect(highlighted(hit)).toEqual(['Café']);
    const link = await send(alice.accessToken, lobby.id, 'see https://example.com/a-b?x=1 or mail ann@example.com, state-of-the-art v1.2.3 -5.5e3 &amp;');
    const linked = (await found(bob.accessToken, { q: 'mail' })).hits[0]!;
    expect(linked.message.id).toBe(link.id);
    expect(linked.snippet).toBe(link.content);
  });

  it('pages with an opaque cursor: every hit once, best first, then nextCursor null', async () => {
    const room = await api.createRoom(alice.accessToken, uniqueName('Paging'));
    const sent: string[] = [];
    // Different lengths give different ranks; equal ones are ordered newest first.
    for (let i = 0; i < 25; i++) sent.push((await send(alice.accessToken, room.id, `quasar ${'filler '.repeat(i % 4)}${i}`)).id);
    const seen: string[] = [];
    const ranks: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: SearchPage = await found(alice.accessToken, { q: 'quasar', limit: 10, ...(cursor ? { cursor } : {}) });
      seen.push(...page.hits.map((hit) => hit.message.id));
      ranks.push(...page.hits.map((hit) => hit.rank));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(25);
    expect([...seen].sort()).toEqual([...sent].sort());
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
  });

  it('refuses a cursor that was altered, made up, or given to another search', async () => {
    const room = await api.createRoom(alice.accessToken, uniqueName('Cursor'));
    for (let i = 0; i < 3; i++) await send(alice.accessToken, room.id, `nebula ${i}`);
    const { nextCursor } = await found(alice.accessToken, { q: 'nebula', limit: 1 });
    expect(nextCursor).toEqual(expect.any(String));
    const cursor = nextCursor as string;
    const flipped = `${cursor.slice(0, 5)}${cursor[5] === 'A' ? 'B' : 'A'}${cursor.slice(6)}`;
    const [payload] = cursor.split('.');
    const forged = `${Buffer.from(JSON.stringify([1, 'x', 99, '2026-01-01T00:00:00+00:00', '00000000-0000-0000-0000-000000000000'])).toString('base64url')}.${cursor.split('.')[1]}`;
    for (const bad of [flipped, payload as string, forged, 'garbage', `${cursor}.more`, "'; DROP TABLE messages; --"]) {
      const result = await search(alice.accessToken, { q: 'nebula', limit: 1, cursor: bad });
      expect(result.status).toBe(400);
      expect(result.body).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('cursor is not one this server gave out'), details: { cursor: [expect.any(String)] } });
    }
    const other = await search(alice.accessToken, { q: 'nebula 1', limit: 1, cursor });
    expect(other.status).toBe(400);
    expect(other.body.message).toContain('cursor belongs to another search');
    // The same search with a different page size goes on.
    expect((await found(alice.accessToken, { q: 'nebula', limit: 2, cursor })).hits).toHaveLength(2);
  });

  describe('access: only what the caller can read right now', () => {
    let secret: Room;
    let left: Room;
    let kickedFrom: Room;

    beforeAll(async () => {
      secret = await api.createRoom(carol.accessToken, uniqueName('Secret'), 'private');
      await send(carol.accessToken, secret.id, 'the zebracorn plan');

      left = await api.createRoom(alice.accessToken, uniqueName('Left'));
      await join(bob.accessToken, left.id);
      await send(alice.accessToken, left.id, 'marmalade for everyone');
      expect((await api.post(`/api/rooms/${left.id}/leave`, {}, bob.accessToken)).status).toBe(204);

      kickedFrom = await api.createRoom(alice.accessToken, uniqueName('Kicked'), 'private');
      expect((await api.post(`/api/rooms/${kickedFrom.id}/members`, { userId: bob.user.id }, alice.accessToken)).status).toBe(201);
      await send(alice.accessToken, kickedFrom.id, 'the quokka files');
      expect((await api.request('DELETE', `/api/rooms/${kickedFrom.id}/members/${bob.user.id}`, { token: alice.accessToken })).status).toBe(204);
    });

    it('never shows a private room the caller is not in; naming it is not_found', async () => {
      expect((await found(carol.accessToken, { q: 'zebracorn' })).hits).toHaveLength(1);
      expect((await found(bob.accessToken, { q: 'zebracorn' })).hits).toEqual([]);
      const named = await search(bob.accessToken, { q: 'zebracorn', roomId: secret.id });
      expect(named.status).toBe(404);
      expect(named.body).toMatchObject({ code: 'not_found', message: 'Room not found' });
    });

    it('never shows a room the caller left or was kicked from (a private one named is not_found)', async () => {
      expect((await found(alice.accessToken, { q: 'marmalade' })).hits).toHaveLength(1);
      expect((await found(alice.accessToken, { q: 'quokka' })).hits).toHaveLength(1);
      expect((await found(bob.accessToken, { q: 'marmalade' })).hits).toEqual([]);
      expect((await found(bob.accessToken, { q: 'quokka' })).hits).toEqual([]);
      expect((await search(bob.accessToken, { q: 'quokka', roomId: kickedFrom.id })).status).toBe(404);
      // A public room stays readable by anyone, as its history is: named, it is searched.
      expect((await found(bob.accessToken, { q: 'marmalade', roomId: left.id })).hits).toHaveLength(1);
    });

    it('filters by room, author and time', async () => {
      const before = new Date().toISOString();
      const own = await send(bob.accessToken, lobby.id, 'ocelot sighting');
      const theirs = await send(alice.accessToken, lobby.id, 'ocelot again');
      const ids = async (query: Record<string, string>): Promise<string[]> => (await found(bob.accessToken, { q: 'ocelot', ...query })).hits.map((hit) => hit.message.id).sort();
      expect(await ids({})).toEqual([own.id, theirs.id].sort());
      expect(await ids({ authorId: bob.user.id })).toEqual([own.id]);
      expect(await ids({ roomId: lobby.id, authorId: alice.user.id })).toEqual([theirs.id]);
      expect(await ids({ before })).toEqual([]);
      expect(await ids({ after: before })).toEqual([own.id, theirs.id].sort());
      expect(await ids({ after: new Date(Date.parse(theirs.createdAt) + 1).toISOString() })).toEqual([]);
    });
  });

  it('never finds a deleted message', async () => {
    const gone = await send(alice.accessToken, lobby.id, 'pineapple on pizza');
    const kept = await send(alice.accessToken, lobby.id, 'pineapple tart');
    expect((await found(bob.accessToken, { q: 'pineapple' })).hits).toHaveLength(2);
    expect((await api.request('DELETE', `/api/rooms/${lobby.id}/messages/${gone.id}`, { token: alice.accessToken })).status).toBe(204);
    expect((await found(bob.accessToken, { q: 'pineapple' })).hits.map((hit) => hit.message.id)).toEqual([kept.id]);
    expect((await found(bob.accessToken, { q: 'pizza' })).hits).toEqual([]);
  });

  it('finds an edited message by its new words only', async () => {
    const message = await send(alice.accessToken, lobby.id, 'flamingo');
    expect((await api.request('PATCH', `/api/rooms/${lobby.id}/messages/${message.id}`, { token: alice.accessToken, body: { content: 'pelican' } })).status).toBe(200);
    expect((await found(bob.accessToken, { q: 'flamingo' })).hits).toEqual([]);
    expect((await found(bob.accessToken, { q: 'pelican' })).hits.map((hit) => hit.message.content)).toEqual(['pelican']);
  });

  it('takes web-search syntax and never fails on operators, quotes or unbalanced syntax', async () => {
    const a = await send(alice.accessToken, lobby.id, 'release notes are ready');
    const b = await send(alice.accessToken, lobby.id, 'notes about the release');
    expect((await found(bob.accessToken, { q: '"release notes"' })).hits.map((hit) => hit.message.id)).toEqual([a.id]);
    expect((await found(bob.accessToken, { q: 'notes -ready' })).hits.map((hit) => hit.message.id)).toEqual([b.id]);
    expect((await found(bob.accessToken, { q: 'ready or about' })).hits.map((hit) => hit.message.id).sort()).toEqual([a.id, b.id].sort());
    for (const q of ['"release notes', 'release & | ! ( notes', 'release:* <-> notes)', "notes' OR 1=1 --", 'release\\', '((((notes']) {
      const result = await search(bob.accessToken, { q });
      expect([q, result.status]).toEqual([q, 200]);
    }
  });

  it('refuses bad input with validation_failed and says why', async () => {
    const refused = async (query: Record<string, string>, field: string, message: RegExp): Promise<void> => {
      const result = await search(bob.accessToken, query);
      expect([JSON.stringify(query).slice(0, 80), result.status, result.body.code]).toEqual([JSON.stringify(query).slice(0, 80), 400, 'validation_failed']);
      expect(result.body.message).toMatch(message);
      expect(result.body.details).toHaveProperty([field]);
    };
    await refused({ q: 'x'.repeat(10_000) }, 'q', /q must be shorter than or equal to 200 characters/);
    await refused({ q: '   ' }, 'q', /q must be longer than or equal to 1 characters/);
    await refused({ q: 'bell\u0007' }, 'q', /q must not contain control characters/);
    await refused({ q: 'line\nbreak' }, 'q', /q must not contain control characters/);
    await refused({ q: '!!! ... ---' }, 'q', /q has no words to look for/);
    await refused({ q: '-walrus' }, 'q', /q needs a word to look for, not only words to leave out/);
    await refused({ q: 'walrus', before: 'yesterday' }, 'before', /before must be a valid ISO 8601 date string/);
    await refused({ q: 'walrus', before: '2026-01-01T00:00:00Z', after: '2026-02-01T00:00:00Z' }, 'after', /after must be earlier than before/);
    await refused({ q: 'walrus', roomId: 'not-a-uuid' }, 'roomId', /roomId must be a UUID/);
    await refused({ q: 'walrus', limit: '51' }, 'limit', /limit must not be greater than 50/);
    await refused({ q: 'walrus', sort: 'new' }, 'sort', /property sort should not exist/);
    expect((await api.get('/api/search/messages?q=walrus')).status).toBe(401);
  });

  it('answers a search of a big room from the GIN index', async () => {
    const db = server.app.get(DataSource);
    const room = await api.createRoom(alice.accessToken, uniqueName('Haystack'));
    await db.query(
      `INSERT INTO messages (room_id, seq, author_id, content) SELECT $1, g, $2, 'hay number ' || g || CASE WHEN g % 10000 = 0 THEN ' needle' ELSE '' END FROM generate_series(1, 50000) g`,
      [room.id, alice.user.id],
    );
    // Merged into the index first, as the room's writer would have done while the messages came one by one
    // (waits for a merge the writer may be running): a pending list of 50 000 rows makes the planner avoid the index.
    await db.query(`SELECT gin_clean_pending_list('messages_search_idx'::regclass)`);
    await db.query('ANALYZE messages');
    const scans = async (): Promise<number> =>
      Number((await db.query<Array<{ n: string }>>(`SELECT idx_scan AS n FROM pg_stat_user_indexes WHERE indexrelname = 'messages_search_idx'`))[0]?.n ?? 0);
    const before = await scans();
    expect((await found(alice.accessToken, { q: 'needle', roomId: room.id })).hits).toHaveLength(5);
    // PostgreSQL publishes a backend's counters at most once a second, and when the index's counters are busy
    // (the writer's merges, the inserts) a backend keeps them up to 10 s (PGSTAT_IDLE_INTERVAL) before trying again.
    await eventually(async () => (await scans()) > before, 15_000, 'an index scan of messages_search_idx');
  });

  it('ranks the newest 1000 matches: a very common word pages through those, best first', async () => {
    const db = server.app.get(DataSource);
    const room = await api.createRoom(alice.accessToken, uniqueName('Common'));
    // The oldest is the best match (the shortest); 1100 newer ones follow.
    await db.query(
      `INSERT INTO messages (room_id, seq, author_id, content, created_at)
       SELECT $1, g, $2, CASE WHEN g = 1 THEN 'ubiquitous' ELSE 'ubiquitous word number ' || g END, now() - interval '1 hour' + g * interval '1 ms'
       FROM generate_series(1, 1101) g`,
      [room.id, alice.user.id],
    );
    let cursor: string | null = null;
    const seqs: number[] = [];
    do {
      const page: SearchPage = await found(alice.accessToken, { q: 'ubiquitous', roomId: room.id, limit: 50, ...(cursor ? { cursor } : {}) });
      seqs.push(...page.hits.map((hit) => hit.message.seq));
      cursor = page.nextCursor;
    } while (cursor !== null && seqs.length < 2000);
    expect(seqs).toHaveLength(1000);
    expect(new Set(seqs).size).toBe(1000);
    expect(Math.min(...seqs)).toBe(102);
    // Narrowed in time (before the 500th), the oldest is among the newest 1000 matches, and comes first.
    const at = (await db.query<Array<{ at: Date }>>(`SELECT created_at AS at FROM messages WHERE room_id = $1 AND seq = 500`, [room.id]))[0]!.at;
    const older = await found(alice.accessToken, { q: 'ubiquitous', roomId: room.id, before: at.toISOString(), limit: 1 });
    expect(older.hits.map((hit) => hit.message.seq)).toEqual([1]);
  });

  describe('history around a hit (GET …/messages?around=seq)', () => {
    let room: Room;
    const seqs = (page: MessagePage): number[] => page.messages.map((message) => message.seq);
    const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    const around = async (query: string): Promise<MessagePage> => {
      const result = await api.get<MessagePage>(`/api/rooms/${room.id}/messages?${query}`, bob.accessToken);
      expect(result.status).toBe(200);
      return result.body;
    };

    beforeAll(async () => {
      room = await api.createRoom(alice.accessToken, uniqueName('Around'));
      for (let i = 1; i <= 30; i++) await send(alice.accessToken, room.id, i === 17 ? 'the capybara is here' : `line ${i}`);
    });

    it('opens the page centred on the hit, with more-flags both ways', async () => {
      const hit = (await found(bob.accessToken, { q: 'capybara', roomId: room.id })).hits[0]!;
      expect(hit.message.seq).toBe(17);
      const page = await around(`around=${hit.message.seq}&limit=10`);
      expect(seqs(page)).toEqual(range(13, 22));
      expect(page).toMatchObject({ hasMore: true, hasMoreBefore: true, hasMoreAfter: true });
    });

    it('fills a short side from the other, and says where the room ends', async () => {
      expect(await around('around=2&limit=10')).toMatchObject({ hasMore: false, hasMoreBefore: false, hasMoreAfter: true });
      expect(seqs(await around('around=2&limit=10'))).toEqual(range(1, 10));
      const end = await around('around=30&limit=10');
      expect(seqs(end)).toEqual(range(21, 30));
      expect(end).toMatchObject({ hasMoreBefore: true, hasMoreAfter: false });
      expect(seqs(await around('around=28&limit=5'))).toEqual(range(26, 30));
      expect(seqs(await around('around=15&limit=1'))).toEqual([15]);
      const whole = await around('around=15&limit=200');
      expect(seqs(whole)).toEqual(range(1, 30));
      expect(whole).toMatchObject({ hasMoreBefore: false, hasMoreAfter: false });
    });

    it('refuses around with before or after, and hides a private room', async () => {
      for (const query of ['around=5&before=9', 'around=5&after=1']) {
        const result = await api.get<ErrorBody>(`/api/rooms/${room.id}/messages?${query}`, bob.accessToken);
        expect(result.status).toBe(400);
        expect(result.body).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('around cannot be combined with before or after') });
      }
      expect((await api.get<ErrorBody>(`/api/rooms/${room.id}/messages?around=0`, bob.accessToken)).status).toBe(400);
      const hidden = await api.createRoom(carol.accessToken, uniqueName('Hidden'), 'private');
      expect((await api.get<ErrorBody>(`/api/rooms/${hidden.id}/messages?around=1`, bob.accessToken)).status).toBe(404);
    });
  });

  describe('users and public rooms', () => {
    it('finds users by username or display name, ignoring case and accents, exact and prefix matches first', async () => {
      const tag = uniqueName('zq').slice(0, 12).toLowerCase();
      const exact = (await api.post<AuthResult>('/api/auth/register', { username: tag, password: 'password123', displayName: 'Plain Name' })).body.user;
      const prefix = (await api.post<AuthResult>('/api/auth/register', { username: `${tag}x`, password: 'password123' })).body.user;
      const display = (await api.post<AuthResult>('/api/auth/register', { username: uniqueName('other'), password: 'password123', displayName: `Zoë ${tag}ü` })).body.user;
      const users = (await api.get<User[]>(`/api/search/users?q=${tag.toUpperCase()}`, bob.accessToken)).body;
      expect(users.map((user) => user.id)).toEqual([exact.id, prefix.id, display.id]);
      const byAccent = (await api.get<User[]>(`/api/search/users?q=${encodeURIComponent(`zoe ${tag}u`)}`, bob.accessToken)).body;
      expect(byAccent.map((user) => user.id)).toEqual([display.id]);
      expect((await api.get<User[]>(`/api/search/users?q=${encodeURIComponent('100%_')}`, bob.accessToken)).body).toEqual([]);
      // Deleted accounts are never found.
      const gone = await api.register(`${tag}gone`);
      expect((await api.request('DELETE', '/api/users/me', { token: gone.accessToken, body: { password: 'password123' } })).status).toBe(204);
      expect((await api.get<User[]>(`/api/search/users?q=${tag}gone`, bob.accessToken)).body).toEqual([]);
      // The old prefix search is unchanged.
      expect((await api.get<User[]>(`/api/users?search=${tag}`, bob.accessToken)).body.map((user) => user.id).sort()).toEqual([exact.id, prefix.id].sort());
    });

    it('finds public rooms by name and description, never a private one', async () => {
      const tag = uniqueName('Kiosk');
      const byDescription = (await api.post<Room>('/api/rooms', { name: uniqueName('Beans'), description: `the home of ${tag} fans` }, alice.accessToken)).body;
      const byName = (await api.post<Room>('/api/rooms', { name: `${tag} Café`, description: 'espresso' }, alice.accessToken)).body;
      await api.post<Room>('/api/rooms', { name: `${tag} Café secret`, visibility: 'private' }, alice.accessToken);
      const rooms = (await api.get<Room[]>(`/api/search/rooms?q=${tag.toLowerCase()}`, bob.accessToken)).body;
      expect(rooms.map((room) => room.id)).toEqual([byName.id, byDescription.id]);
      expect(rooms[0]).toMatchObject({ visibility: 'public', joined: false, role: null });
      const byAccent = (await api.get<Room[]>(`/api/search/rooms?q=${encodeURIComponent(`${tag} CAFE`)}`, bob.accessToken)).body;
      expect(byAccent.map((room) => room.id)).toEqual([byName.id]);
      expect((await api.get<ErrorBody>('/api/search/rooms?q=', bob.accessToken)).body.code).toBe('validation_failed');
      expect((await api.get<ErrorBody>(`/api/search/rooms?q=${'x'.repeat(65)}`, bob.accessToken)).body.code).toBe('validation_failed');
    });
  });
});

describe('search with SEARCH_LANGUAGE=english', () => {
  let server: RunningServer;
  let api: Api;
  let user: AuthResult;
  let room: Room;

  beforeAll(async () => {
    server = await startTestServer({ SEARCH_LANGUAGE: 'english' });
    api = new Api(server.url);
    user = await api.register(uniqueName('eng'));
    room = await api.createRoom(user.accessToken, uniqueName('English'));
  });
  afterAll(() => server.close());

  it('switched the database to English at boot: words are stemmed, accents still ignored', async () => {
    const db = server.app.get(DataSource);
    expect(await db.query(`SELECT language FROM search_settings`)).toEqual([{ language: 'english' }]);
    const message = (await api.post<Message>(`/api/rooms/${room.id}/messages`, { content: 'The runners were running to the café' }, user.accessToken)).body;
    const hits = (await api.get<SearchPage>(`/api/search/messages?q=run+cafe`, user.accessToken)).body.hits;
    expect(hits.map((hit) => hit.message.id)).toEqual([message.id]);
  });

  it('refuses a search of only stop words with validation_failed', async () => {
    const result = await api.get<ErrorBody>(`/api/search/messages?q=${encodeURIComponent('the and of it')}`, user.accessToken);
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ code: 'validation_failed', message: 'Invalid query: q has no words to look for: only stop words, punctuation or operators' });
  });
});
