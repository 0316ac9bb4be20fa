import type { MessageReactionsEvent, User } from '@parley/contract';
import { mergeReactions } from './reactions';

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
