import type { DataSource } from 'typeorm';
import type { RoomRole } from '@parley/contract';
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

/** Rooms and memberships in the rooms repository: what its SQL decides, on the real schema. */
describe('RoomsRepository rooms and memberships on PostgreSQL', () => {
  let dataSource: DataSource;
  let repository: RoomsRepository;
  let seed: Seed;

  const addMember = async (roomId: string, username: string, role: RoomRole): Promise<string> => {
    const userId = await seed.user(username);
    expect(await repository.insertMembership(roomId, userId, role)).toBe(true);
    return userId;
  };

  beforeAll(async () => {
    ({ dataSource } = await openMigratedDatabase());
    repository = new RoomsRepository(dataSource);
    seed = new Seed(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('creates a group room with its creator as owner, and refuses a taken name (any case) on creation and rename', async () => {
    const ann = await seed.user('ann');
    const created = await repository.insertGroupRoom('Lounge', 'Chat', 'public', ann);
    expect(created).toMatchObject({ name: 'Lounge', description: 'Chat', visibility: 'public', kind: 'group', createdBy: ann, lastSeq: 0, memberCount: 1, viewerRole: 'owner', viewerLastReadSeq: 0 });
    expect(await repository.insertGroupRoom('lounge', '', 'private', ann)).toBeNull();
    const other = (await repository.insertGroupRoom('Other', '', 'public', ann))!;
    expect(await repository.updateRoom(other.id, { name: 'LOUNGE' })).toBeNull();
    // A change of one field leaves the other as it was; each update answers what it replaced.
    expect(await repository.updateRoom(created!.id, { description: 'New topic' })).toEqual({ name: 'Lounge', description: 'Chat' });
    expect(await repository.findRoomForViewer(created!.id, ann)).toMatchObject({ name: 'Lounge', description: 'New topic' });
    expect(await repository.updateRoom(created!.id, { name: 'Parlour' })).toEqual({ name: 'Lounge', description: 'New topic' });
    expect(await repository.findRoomForViewer(created!.id, ann)).toMatchObject({ name: 'Parlour', description: 'New topic' });
  });

  it('lists public group rooms and the viewer\'s private ones as visible, and every room they joined (direct ones too) as joined', async () => {
    const [viewer, owner] = [await seed.user('viewer'), await seed.user('owner')];
    const open = (await repository.insertGroupRoom('Open', '', 'public', owner))!.id;
    const mine = (await repository.insertGroupRoom('Mine', '', 'private', owner))!.id;
    const secret = (await repository.insertGroupRoom('Secret', '', 'private', owner))!.id;
    await repository.insertMembership(mine, viewer, 'member');
    const { roomId: direct } = await repository.findOrCreateDirectRoom(viewer, owner, 'owner & viewer');
    const ours = new Set([open, mine, secret, direct]);
    const ids = (records: Array<{ id: string }>): string[] => records.map((record) => record.id).filter((id) => ours.has(id));
    expect(ids(await repository.listVisibleGroupRooms(viewer))).toEqual([open, mine]);
    expect(ids(await repository.listJoinedRooms(viewer))).toEqual([mine, direct]);
  });

  it('lists members by rank, then by name in any case', async () => {
    const room = (await repository.insertGroupRoom('Ranks', '', 'public', await seed.user('zed')))!.id;
    await addMember(room, 'bea', 'member');
    await addMember(room, 'Abe', 'member');
    await addMember(room, 'mod', 'moderator');
    await addMember(room, 'adm', 'admin');
    expect((await repository.listMembers(room)).map((member) => [member.username, member.role])).toEqual([
      ['zed', 'owner'],
      ['adm', 'admin'],
      ['mod', 'moderator'],
      ['Abe', 'member'],
      ['bea', 'member'],
    ]);
  });

  it('passes ownership to the highest-ranking, longest-standing member when the owner leaves; nobody left, nobody promoted', async () => {
    const first = await seed.user('first');
    const room = (await repository.insertGroupRoom('Succession', '', 'public', first))!.id;
    const member = await addMember(room, 'plain', 'member');
    const elderAdmin = await addMember(room, 'elder', 'admin');
    await addMember(room, 'younger', 'admin');
    expect(await repository.deleteMembership(room, first)).toEqual({ roomId: room, userId: first, role: 'owner', roomKind: 'group', successorId: elderAdmin, successorRole: 'admin' });
    expect(await repository.findMembership(room, elderAdmin)).toEqual({ roomId: room, userId: elderAdmin, role: 'owner' });
    expect(await repository.deleteMembership(room, first)).toBeNull(); // not a member any more
    expect(await repository.deleteMembership(room, member)).toEqual({ roomId: room, userId: member, role: 'member', roomKind: 'group', successorId: null, successorRole: null });

    const alone = await seed.user('alone');
    const solo = (await repository.insertGroupRoom('Solo', '', 'public', alone))!.id;
    expect(await repository.deleteMembership(solo, alone)).toEqual({ roomId: solo, userId: alone, role: 'owner', roomKind: 'group', successorId: null, successorRole: null });
  });

  it('deletes a room with its memberships and says who its members were', async () => {
    const owner = await seed.user('deleter');
    const room = (await repository.insertGroupRoom('Doomed', '', 'public', owner))!.id;
    const member = await addMember(room, 'bystander', 'member');
    expect((await repository.deleteRoom(room)).sort()).toEqual([owner, member].sort());
    expect(await repository.findRoomForViewer(room, owner)).toBeNull();
    expect(await repository.listMemberIds(room)).toEqual([]);
  });

  it('keeps one direct room per pair, whichever of the two opens it, both of them members', async () => {
    const [kim, lee] = [await seed.user('kim'), await seed.user('lee')];
    const first = await repository.findOrCreateDirectRoom(kim, lee, 'kim & lee');
    expect(first.created).toBe(true);
    expect(await repository.findOrCreateDirectRoom(lee, kim, 'kim & lee')).toEqual({ roomId: first.roomId, created: false });
    expect(await repository.findRoomForViewer(first.roomId, lee)).toMatchObject({ name: 'kim & lee', kind: 'direct', visibility: 'private', memberCount: 2, viewerRole: 'member' });
    // Someone who left is made a member again when the room is opened again.
    await repository.deleteMembership(first.roomId, lee);
    expect(await repository.findOrCreateDirectRoom(kim, lee, 'kim & lee')).toEqual({ roomId: first.roomId, created: false });
    expect((await repository.listMemberIds(first.roomId)).sort()).toEqual([kim, lee].sort());
  });
});
