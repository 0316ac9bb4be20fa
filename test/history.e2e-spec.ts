import type { RunningServer } from '../apps/server/src/server';
import type { AuthResult, ErrorBody, MessagePage, Room } from '@parley/contract';
import { DataSource } from 'typeorm';
import { Api, uniqueName } from './support/client';
import { startTestServer } from './support/server';

describe('message history (contract §4)', () => {
  let server: RunningServer;
  let api: Api;
  let user: AuthResult;
  let room: Room;

  const page = async (query: string): Promise<MessagePage> => {
    const result = await api.get<MessagePage>(`/api/rooms/${room.id}/messages${query}`, user.accessToken);
    expect(result.status).toBe(200);
    return result.body;
  };
  const seqs = (result: MessagePage): number[] => result.messages.map((message) => message.seq);
  const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  beforeAll(async () => {
    server = await startTestServer();
    api = new Api(server.url);
    user = await api.register(uniqueName('hist'));
    room = await api.createRoom(user.accessToken, uniqueName('History'));
    for (let i = 1; i <= 120; i++) await api.post(`/api/rooms/${room.id}/messages`, { content: `m${i}` }, user.accessToken);
  });
  afterAll(() => server.close());

  it('defaults to the newest 50, ascending, with hasMore', async () => {
    const result = await page('');
    expect(seqs(result)).toEqual(range(71, 120));
    expect(result.hasMore).toBe(true);
  });

  it('pages backwards with before and forwards with after', async () => {
    expect(seqs(await page('?before=71&limit=30'))).toEqual(range(41, 70));
    const oldest = await page('?before=11&limit=30');
    expect(seqs(oldest)).toEqual(range(1, 10));
    expect(oldest.hasMore).toBe(false);
    const forward = await page('?after=100&limit=15');
    expect(seqs(forward)).toEqual(range(101, 115));
    expect(forward.hasMore).toBe(true);
    const tail = await page('?after=115&limit=15');
    expect(seqs(tail)).toEqual(range(116, 120));
    expect(tail.hasMore).toBe(false);
    expect(seqs(await page('?after=10&before=15'))).toEqual(range(11, 14));
    expect(seqs(await page('?after=120'))).toEqual([]);
  });

  it('walks the whole room backwards without gaps or overlaps', async () => {
    const seen: number[] = [];
    let before: number | undefined;
    for (;;) {
      const result = await page(`?limit=37${before ? `&before=${before}` : ''}`);
      seen.unshift(...seqs(result));
      if (!result.hasMore) break;
      before = result.messages[0]!.seq;
    }
    expect(seen).toEqual(range(1, 120));
  });

  it('caps limit at 200', async () => {
    const tooMany = await api.get<ErrorBody>(`/api/rooms/${room.id}/messages?limit=201`, user.accessToken);
    expect(tooMany.body.code).toBe('validation_failed');
    expect(seqs(await page('?limit=200'))).toEqual(range(1, 120));
  });

  it('serves pages of a large room from the (room_id, seq) index, never a scan', async () => {
    const db = server.app.get(DataSource);
    const big = await api.createRoom(user.accessToken, uniqueName('Big'));
    await db.query(
      `INSERT INTO messages (room_id, seq, author_id, content) SELECT $1, g, $2, 'bulk ' || g FROM generate_series(1, 200000) g`,
      [big.id, user.user.id],
    );
    await db.query('ANALYZE messages');
    const explain = async (where: string, order: string): Promise<string> => {
      const rows = await db.query<Array<{ 'QUERY PLAN': string }>>(
        `EXPLAIN SELECT * FROM messages msg WHERE msg.room_id = $1 ${where} ORDER BY msg.seq ${order} LIMIT 51`,
        [big.id],
      );
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    };
    for (const plan of [await explain('', 'DESC'), await explain('AND msg.seq < 100000', 'DESC'), await explain('AND msg.seq > 150000', 'ASC')]) {
      expect(plan).toMatch(/Index Scan.*messages_room_seq_uq/);
      expect(plan).not.toMatch(/Seq Scan|Sort/);
    }
    const result = await api.get<MessagePage>(`/api/rooms/${big.id}/messages?before=100001&limit=3`, user.accessToken);
    expect(seqs(result.body)).toEqual([99998, 99999, 100000]);
    // The room's lastSeq is the newest message's: one probe of the same index.
    const probe = (await db.query<Array<{ 'QUERY PLAN': string }>>(`EXPLAIN SELECT max(seq) FROM messages WHERE room_id = $1`, [big.id]))
      .map((row) => row['QUERY PLAN'])
      .join('\n');
    expect(probe).toMatch(/Index Only Scan Backward using messages_room_seq_uq/);
    expect(probe).not.toMatch(/Seq Scan|Sort/);
    const view = await api.get<Room>(`/api/rooms/${big.id}`, user.accessToken);
    expect(view.body).toMatchObject({ lastSeq: 200000, unreadCount: 200000 }); // written behind the API's back: nobody read them
  });
});
