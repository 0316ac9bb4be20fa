import type { Message } from '@parley/contract';

/** A stored message of room `roomId` (default `r1`) with the given seq; ids are unique per room and seq. */
export function testMessage(seq: number, overrides: Partial<Message> = {}): Message {
  const roomId = overrides.roomId ?? 'r1';
  return {
    id: `${roomId}-m${seq}`,
    roomId,
    seq,
    author: { id: 'u1', username: 'ann', displayName: 'Ann', createdAt: '2026-01-01T00:00:00.000Z' },
    content: `#${seq}`,
    clientMsgId: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    editedAt: null,
    deletedAt: null,
    type: 'text',
    ...overrides,
  };
}
