import type { Conversation, ConversationPage, ConversationUpdatedEvent, MessagePreview } from '@parley/contract';
import { ConversationList } from './conversation-list';
import type { RestApi } from './http';
import { fake } from '../../../test/support/unit';

const author = { id: 'u2', username: 'bob', displayName: 'Bob', createdAt: '2026-01-01T00:00:00.000Z' };
const preview = (seq: number, text = `#${seq}`): MessagePreview => ({
  id: `m${seq}`,
  seq,
  author,
  type: 'text',
  preview: text,
  deleted: false,
  createdAt: `2026-01-01T00:00:${String(seq).padStart(2, '0')}.000Z`,
});
const conversation = (id: string, lastSeq: number, lastReadSeq: number, overrides: Partial<Conversation> = {}): Conversation => ({
  room: {
    id,
    name: id,
    description: '',
    visibility: 'public',
    kind: 'group',
    createdBy: 'u1',
    createdAt: '2026-01-01T00:00:00.000Z',
    memberCount: 2,
    lastSeq,
    joined: true,
    role: 'member',
    unreadCount: lastSeq - lastReadSeq,
    muted: false,
    mutedUntil: null,
  },
  lastMessage: lastSeq > 0 ? preview(lastSeq) : null,
  lastActivityAt: lastSeq > 0 ? preview(lastSeq).createdAt : '2026-01-01T00:00:00.000Z',
  lastReadSeq,
  unreadCount: lastSeq - lastReadSeq,
  mentionCount: 0,
  notificationsMuted: false,
  archived: false,
  ...overrides,
});
const activity = (roomId: string, seq: number, mentions: string[] = []): ConversationUpdatedEvent => ({
  roomId,
  kind: 'activity',
  lastSeq: seq,
  lastMessage: preview(seq),
  lastActivityAt: preview(seq).createdAt,
  mentions,
});

describe('ConversationList', () => {
  let page: ConversationPage;
  let fetched: Conversation[];
  let list: ConversationList;
  let changes: number;

  beforeEach(async () => {
    page = { conversations: [conversation('b', 5, 5), conversation('a', 3, 1)], nextCursor: null };
    fetched = [];
    const rest = fake<RestApi>({
      conversations: {
        get: (roomId: string) => {
          const found = fetched.find((entry) => entry.room.id === roomId);
          return found ? Promise.resolve(found) : Promise.reject(new Error('unknown'));
        },
      } as RestApi['conversations'],
    });
    list = new ConversationList({ watch: () => Promise.resolve(page), isConnected: () => true, rest, username: () => 'Ann' });
    changes = 0;
    list.on('changed', () => (changes += 1));
    await list.watch();
  });

  it('takes one’s own newest message as read: the server moved the author’s marker with it', () => {
    const own = { ...preview(6), author: { ...author, id: 'u1', username: 'ann' } };
    list.apply({ ...activity('a', 6), lastMessage: own });
    expect(list.get('a')).toMatchObject({ lastReadSeq: 6, unreadCount: 0, room: { lastSeq: 6, unreadCount: 0 } });
    list.apply(activity('a', 8));
    expect(list.get('a')).toMatchObject({ lastReadSeq: 6, unreadCount: 2 });
  });

  it('moves a conversation up on activity, derives unread from its read marker, and counts mentions of the user', () => {
    expect(list.items().map((entry) => entry.room.id)).toEqual(['b', 'a']);
    list.apply(activity('a', 7, ['ann', 'carol', 'ann']));
    const a = list.get('a')!;
    expect(list.items().map((entry) => entry.room.id)).toEqual(['a', 'b']);
    expect(a).toMatchObject({ unreadCount: 6, mentionCount: 2, lastMessage: preview(7), room: { lastSeq: 7, unreadCount: 6 } });
    expect(list.totals()).toEqual({ unreadMessages: 6, mentions: 2, conversations: 1 });
  });

  it('ignores an activity it already has (older or equal lastSeq), and counts no mention in a muted conversation', () => {
    list.apply(activity('b', 5, ['ann']));
    expect(list.get('b')).toMatchObject({ unreadCount: 0, mentionCount: 0 });
    list.apply({ roomId: 'b', kind: 'changed', conversation: conversation('b', 5, 5, { notificationsMuted: true }) });
    list.apply(activity('b', 6, ['ann']));
    expect(list.get('b')).toMatchObject({ unreadCount: 1, mentionCount: 0 });
    expect(list.totals()).toEqual({ unreadMessages: 2, mentions: 0, conversations: 1 });
  });

  it('hides an archived conversation until its next message', () => {
    list.apply({ roomId: 'b', kind: 'changed', conversation: conversation('b', 5, 5, { archived: true }) });
    expect(list.items().map((entry) => entry.room.id)).toEqual(['a']);
    expect(list.archived().map((entry) => entry.room.id)).toEqual(['b']);
    list.apply(activity('b', 6));
    expect(list.items().map((entry) => entry.room.id)).toEqual(['b', 'a']);
  });

  it('keeps newer messages when a per-user change computed earlier arrives after them', () => {
    list.apply(activity('a', 9));
    list.apply({ roomId: 'a', kind: 'changed', conversation: conversation('a', 3, 3, { notificationsMuted: true }) });
    expect(list.get('a')).toMatchObject({ notificationsMuted: true, lastReadSeq: 3, unreadCount: 6, room: { lastSeq: 9 }, lastMessage: preview(9) });
  });

  it('applies previews of the message shown only, renames, and removals', () => {
    list.apply({ roomId: 'b', kind: 'preview', lastMessage: { ...preview(4), preview: '', deleted: true } });
    expect(list.get('b')!.lastMessage).toEqual(preview(5));
    list.apply({ roomId: 'b', kind: 'preview', lastMessage: { ...preview(5), preview: 'edited' } });
    expect(list.get('b')!.lastMessage!.preview).toBe('edited');
    list.apply({ roomId: 'b', kind: 'room', room: { ...conversation('b', 5, 5).room, name: 'renamed', unreadCount: null, role: null } });
    expect(list.get('b')!.room).toMatchObject({ name: 'renamed', unreadCount: 0, role: 'member' });
    const before = changes;
    list.apply({ roomId: 'b', kind: 'removed' });
    list.apply({ roomId: 'zz', kind: 'removed' });
    expect(list.items().map((entry) => entry.room.id)).toEqual(['a']);
    expect(changes).toBe(before + 1);
  });

  it('after a reconnect, watches again and loads as many pages as it had', async () => {
    const pages: ConversationPage[] = [
      { conversations: [conversation('x', 2, 2)], nextCursor: 'c1' },
      { conversations: [conversation('y', 1, 1)], nextCursor: 'c2' },
      { conversations: [conversation('z', 1, 0)], nextCursor: null },
    ];
    const cursors: Array<string | undefined> = [];
    const rest = fake<RestApi>({
      conversations: {
        list: (options: { cursor?: string }) => {
          cursors.push(options.cursor);
          return Promise.resolve(options.cursor === 'c1' ? pages[1]! : pages[2]!);
        },
      } as RestApi['conversations'],
    });
    const paged = new ConversationList({ watch: () => Promise.resolve(pages[0]!), isConnected: () => true, rest, username: () => 'ann' });
    await paged.watch();
    await paged.loadMore();
    expect(paged.items().map((entry) => entry.room.id)).toEqual(['x', 'y']);
    const reloaded = new Promise((resolve) => paged.on('changed', (items) => items.length === 2 && cursors.length === 2 && resolve(items)));
    paged.resume();
    await reloaded;
    expect(cursors).toEqual(['c1', 'c1']);
    expect(paged.hasMore).toBe(true);
  });

  it('fetches a conversation it does not hold when activity arrives for it', async () => {
    fetched.push(conversation('c', 1, 0));
    list.apply(activity('c', 1));
    await new Promise((resolve) => setImmediate(resolve));
    expect(list.items().map((entry) => entry.room.id)).toEqual(['b', 'a', 'c']);
  });
});
