import type { AppConfig } from '@parley/config';
import type { DataSource } from 'typeorm';
import { openMigratedDatabase, Seed } from '../../../test/support/database';
import { fake } from '../../../test/support/unit';
import { MessagesRepository, type WriteItem, type WriteRow } from './messages.repository';
import { SendPool } from './send-pool';

/**
 * The messages repository against the real PostgreSQL schema (the app's migrations on a fresh database):
 * the send statement (numbering, membership, idempotency, fencing, read markers) and history paging.
 */
describe('MessagesRepository on PostgreSQL', () => {
  let dataSource: DataSource;
  let sendPool: SendPool;
  let repository: MessagesRepository;
  let seed: Seed;
  let ann: string;
  let bob: string;
  let eve: string;
  let shardEpoch: number;

  const SHARD = 3;
  const item = (roomId: string, authorId: string, base: number, overrides: Partial<WriteItem> = {}): WriteItem => ({
    roomId,
    authorId,
    content: 'hello',
    clientMsgId: null,
    base,
    shard: SHARD,
    epoch: shardEpoch,
    ...overrides,
  });
  const seqOf = (row: WriteRow | undefined): number | string => (typeof row === 'object' ? row.stored.seq : String(row));

  beforeAll(async () => {
    const database = await openMigratedDatabase();
    dataSource = database.dataSource;
    sendPool = new SendPool(fake<AppConfig>({ databaseUrl: database.url, instanceId: 'repository-spec' }));
    repository = new MessagesRepository(dataSource, sendPool);
    seed = new Seed(dataSource);
    [ann, bob, eve] = [await seed.user('ann'), await seed.user('bob'), await seed.user('eve')];
    shardEpoch = await repository.takeShard(SHARD);
  });
  afterAll(async () => {
    await sendPool?.onApplicationShutdown();
    await dataSource?.destroy();
  });

  describe('the send statement (insertBatch)', () => {
    it('numbers each room gaplessly from its base in arrival order, and tells each stored row its room members', async () => {
      const general = await seed.room('general', [ann, bob]);
      const random = await seed.room('random', [bob]);
      const rows = await repository.insertBatch([
        item(general, ann, 0, { content: 'one' }),
        item(random, bob, 0, { content: 'elsewhere' }),
        item(general, bob, 0, { content: 'two' }),
        item(general, ann, 0, { content: 'three' }),
      ]);
      expect(rows.map(seqOf)).toEqual([1, 1, 2, 3]);
      const [first] = rows as Array<{ stored: { id: string; createdAt: string; memberIds: string[] } }>;
      expect(new Set(first!.stored.memberIds)).toEqual(new Set([ann, bob]));
      expect((rows[1] as { stored: { memberIds: string[] } }).stored.memberIds).toEqual([bob]);
      expect((rows[3] as { stored: { memberIds: string[] } }).stored.memberIds).toEqual(first!.stored.memberIds);
      expect(first!.stored.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

      const page = await repository.findPage(general, { limit: 10 });
      expect(page.messages.map((m) => [m.seq, m.content, m.author.username])).toEqual([
        [1, 'one', 'ann'],
        [2, 'two', 'bob'],
        [3, 'three', 'ann'],
      ]);
      expect(page.messages[0]!.id).toBe(first!.stored.id);

      const next = await repository.insertBatch([item(general, bob, 3)]);
      expect(next.map(seqOf)).toEqual([4]);
      expect(await repository.lastSeqs([general, random])).toEqual(new Map([[general, 4], [random, 1]]));
    });

    it('moves each author\'s read marker to their newest message, and nobody else\'s', async () => {
      const room = await seed.room('read-markers', [ann, bob]);
      await repository.insertBatch([item(room, ann, 0), item(room, ann, 0), item(room, bob, 0)]);
      expect(await seed.lastReadSeq(room, ann)).toBe(2);
      expect(await seed.lastReadSeq(room, bob)).toBe(3);
      await repository.insertBatch([item(room, bob, 3)]);
      expect(await seed.lastReadSeq(room, ann)).toBe(2);
      expect(await seed.lastReadSeq(room, bob)).toBe(4);
    });

    it('refuses a non-member and a repeated clientMsgId without spending a seq on them', async () => {
      const room = await seed.room('idempotency', [ann, bob]);
      const [stored] = await repository.insertBatch([item(room, ann, 0, { clientMsgId: 'c-1', content: 'first' })]);
      expect(seqOf(stored)).toBe(1);
      const rows = await repository.insertBatch([
        item(room, eve, 1),
        item(room, ann, 1, { clientMsgId: 'c-1', content: 'again' }),
        item(room, bob, 1, { clientMsgId: 'c-1' }), // another author's id: not a repeat
      ]);
      expect(rows.map(seqOf)).toEqual(['refused', 'duplicate', 2]);
      const original = await repository.findByClientMsgId(room, ann, 'c-1');
      expect(original).toMatchObject({ seq: 1, content: 'first', clientMsgId: 'c-1' });
      expect(await repository.lastSeqs([room])).toEqual(new Map([[room, 2]]));
    });

    it('stores nothing for a writer whose shard was taken over (fenced), and the new writer stores', async () => {
      const room = await seed.room('fencing', [ann]);
      const staleEpoch = shardEpoch;
      shardEpoch = await repository.takeShard(SHARD);
      expect(shardEpoch).toBe(staleEpoch + 1);
      const rows = await repository.insertBatch([item(room, ann, 0, { epoch: staleEpoch }), item(room, ann, 0, { epoch: staleEpoch })]);
      expect(rows).toEqual(['fenced', 'fenced']);
      expect(await repository.lastSeqs([room])).toEqual(new Map([[room, 0]]));
      expect((await repository.insertBatch([item(room, ann, 0)])).map(seqOf)).toEqual([1]);
    });
  });

  it('merges message search\'s pending index entries on demand (mergeSearchPendingList)', async () => {
    const room = await seed.room('search-merge', [ann]);
    await repository.insertBatch([item(room, ann, 0, { content: 'alpha beta gamma' }), item(room, ann, 0, { content: 'delta epsilon' })]);
    expect(await repository.mergeSearchPendingList()).toBeGreaterThan(0);
    expect(await repository.mergeSearchPendingList()).toBe(0);
  });

  describe('history (findPage)', () => {
    let room: string;

    beforeAll(async () => {
      room = await seed.room('history', [ann]);
      await seed.messages(room, ann, [1, 2, 3, 4, 5, 6, 7]);
    });

    const seqs = async (query: { before?: number; after?: number; limit: number }): Promise<[number[], boolean]> => {
      const page = await repository.findPage(room, query);
      return [page.messages.map((m) => m.seq), page.hasMore];
    };

    it('pages backwards from the newest message, oldest first within a page', async () => {
      expect(await seqs({ limit: 3 })).toEqual([[5, 6, 7], true]);
      expect(await seqs({ before: 5, limit: 3 })).toEqual([[2, 3, 4], true]);
      expect(await seqs({ before: 2, limit: 3 })).toEqual([[1], false]);
      expect(await seqs({ before: 4, limit: 3 })).toEqual([[1, 2, 3], false]);
    });

    it('pages forwards after a seq', async () => {
      expect(await seqs({ after: 0, limit: 3 })).toEqual([[1, 2, 3], true]);
      expect(await seqs({ after: 4, limit: 3 })).toEqual([[5, 6, 7], false]);
      expect(await seqs({ after: 7, limit: 3 })).toEqual([[], false]);
    });

    it('keeps an edited and a deleted message in place: edited has editedAt, deleted has no content', async () => {
      const [third, fifth] = (await repository.findPage(room, { after: 2, limit: 3 })).messages.filter((m) => m.seq === 3 || m.seq === 5);
      expect(await repository.updateContent(third!.id, 'edited')).toMatchObject({ seq: 3, content: 'edited', editedAt: expect.any(String) });
      expect(await repository.softDelete(fifth!.id)).toBe(true);
      expect(await repository.softDelete(fifth!.id)).toBe(false);
      expect(await repository.updateContent(fifth!.id, 'too late')).toBeNull();
      const page = await repository.findPage(room, { after: 2, limit: 3 });
      expect(page.messages.map((m) => [m.seq, m.content, m.deletedAt !== null])).toEqual([
        [3, 'edited', false],
        [4, 'message 4', false],
        [5, '', true],
      ]);
    });
  });
});
