import type { DataSource } from 'typeorm';
import { openMigratedDatabase, Seed } from '../../../test/support/database';
import { RoomsRepository } from './rooms.repository';

/** Read state in the rooms repository, against the real PostgreSQL schema (the app's migrations). */
describe('RoomsRepository read state on PostgreSQL', () => {
  let dataSource: DataSource;
  let repository: RoomsRepository;
  let seed: Seed;
  let ann: string;
  let bob: string;
  let room: string;

  beforeAll(async () => {
    ({ dataSource } = await openMigratedDatabase());
    repository = new RoomsRepository(dataSource);
    seed = new Seed(dataSource);
    [ann, bob] = [await seed.user('ann'), await seed.user('bob')];
    room = await seed.room('general', [ann]);
    await seed.messages(room, ann, [1, 2, 3, 4, 5]);
  });
  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('moves a read marker forwards only, never past the newest message, and says when it moved', async () => {
    expect(await repository.advanceReadSeq(room, ann, 2)).toBe(2);
    expect(await repository.advanceReadSeq(room, ann, 2)).toBeNull();
    expect(await repository.advanceReadSeq(room, ann, 1)).toBeNull();
    expect(await seed.lastReadSeq(room, ann)).toBe(2);
    expect(await repository.advanceReadSeq(room, ann, 99)).toBe(5);
    expect(await seed.lastReadSeq(room, ann)).toBe(5);
    expect(await repository.advanceReadSeq(room, bob, 3)).toBeNull(); // not a member: no marker to move
  });

  it('gives a new member everything before they came as read, and shows the viewer their marker', async () => {
    expect(await repository.insertMembership(room, bob, 'member')).toBe(true);
    expect(await repository.insertMembership(room, bob, 'member')).toBe(false);
    expect(await repository.findRoomForViewer(room, bob)).toMatchObject({ lastSeq: 5, memberCount: 2, viewerRole: 'member', viewerLastReadSeq: 5 });
    await seed.messages(room, ann, [6, 7]);
    expect(await repository.findRoomForViewer(room, bob)).toMatchObject({ lastSeq: 7, viewerLastReadSeq: 5 });
    expect(await repository.advanceReadSeq(room, bob, 7)).toBe(7);
    const joined = await repository.listJoinedRooms(bob);
    expect(joined.map((record) => [record.id, record.lastSeq, record.viewerLastReadSeq])).toEqual([[room, 7, 7]]);
  });

  it('shows a room to a non-member with no marker', async () => {
    const eve = await seed.user('eve');
    expect(await repository.findRoomForViewer(room, eve)).toMatchObject({ lastSeq: 7, viewerRole: null, viewerLastReadSeq: null });
  });
});
