import type { MessageReactionsEvent, User } from '@parley/contract';
import { mergeReactions, mergeReplyCount } from './reactions';

const user = (id: string): User => ({ id, username: id, displayName: id, createdAt: '2026-12-01T00:00:00.000Z' });
const event = (by: string, emoji: string, added: boolean, reactions: Array<{ emoji: string; count: number }>): MessageReactionsEvent => ({
  roomId: 'r',
  messageId: 'm',
  emoji,
  user: user(by),
  added,
  reactions,
});

describe('mergeReactions', () => {
  it("takes the counts from the event and sets me from the viewer's own change", () => {
    expect(mergeReactions([], event('me', '👍', true, [{ emoji: '👍', count: 1 }]), 'me')).toEqual([{ emoji: '👍', count: 1, me: true }]);
    expect(mergeReactions([{ emoji: '👍', count: 2, me: true }], event('me', '👍', false, [{ emoji: '👍', count: 1 }]), 'me')).toEqual([
      { emoji: '👍', count: 1, me: false },
    ]);
  });

  it("keeps the viewer's own reactions when someone else reacts, and drops emoji nobody has any more", () => {
    const current = [
      { emoji: '👍', count: 1, me: true },
      { emoji: '🎉', count: 1, me: false },
    ];
    expect(mergeReactions(current, event('bob', '🎉', false, [{ emoji: '👍', count: 1 }]), 'me')).toEqual([{ emoji: '👍', count: 1, me: true }]);
    expect(mergeReactions(current, event('bob', '🔥', true, [{ emoji: '👍', count: 1 }, { emoji: '🎉', count: 1 }, { emoji: '🔥', count: 1 }]), 'me')).toEqual([
      { emoji: '👍', count: 1, me: true },
      { emoji: '🎉', count: 1, me: false },
      { emoji: '🔥', count: 1, me: false },
    ]);
  });
});

describe('mergeReplyCount', () => {
  const root = { id: 'm1', replyCount: 3 };

  it('takes a higher count for the same message', () => {
    expect(mergeReplyCount(root, { roomId: 'r', messageId: 'm1', replyCount: 4 })).toEqual({ id: 'm1', replyCount: 4 });
    expect(mergeReplyCount({ id: 'm1' }, { roomId: 'r', messageId: 'm1', replyCount: 1 })).toEqual({ id: 'm1', replyCount: 1 });
  });

  it('keeps the message as it is for a lower or equal count (an older event) or another message', () => {
    expect(mergeReplyCount(root, { roomId: 'r', messageId: 'm1', replyCount: 2 })).toBe(root);
    expect(mergeReplyCount(root, { roomId: 'r', messageId: 'm1', replyCount: 3 })).toBe(root);
    expect(mergeReplyCount(root, { roomId: 'r', messageId: 'm2', replyCount: 9 })).toBe(root);
  });
});
