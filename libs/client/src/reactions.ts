import type { Message, MessageReactionsEvent, MessageRepliesEvent, Reaction } from '@parley/contract';

/**
 * A message's reactions after a `message:reactions` event, for the viewer `meId`: the event carries the counts
 * for everyone, and `me` follows the viewer's own changes (the event's user) and is kept for the others.
 */
export function mergeReactions(current: readonly Reaction[] | undefined, event: MessageReactionsEvent, meId: string): Reaction[] {
  const mine = new Set((current ?? []).filter((reaction) => reaction.me).map((reaction) => reaction.emoji));
  if (event.user.id === meId) {
    if (event.added) mine.add(event.emoji);
    else mine.delete(event.emoji);
  }
  return event.reactions.map(({ emoji, count }) => ({ emoji, count, me: mine.has(emoji) }));
}

/**
 * A message after a `message:replies` event (or any newer read of it): reply counts only grow, so the higher
 * count wins whichever arrived first. Returns the message itself when nothing changes.
 */
export function mergeReplyCount<M extends Pick<Message, 'id' | 'replyCount'>>(message: M, event: MessageRepliesEvent): M {
  if (event.messageId !== message.id || event.replyCount <= (message.replyCount ?? 0)) return message;
  return { ...message, replyCount: event.replyCount };
}
