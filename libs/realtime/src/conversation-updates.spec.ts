import { DomainEvents } from '@parley/common';
import type { ConversationUpdatedEvent } from '@parley/contract';
import type { ConversationsService } from '@parley/rooms';
import { fake, testMessage } from '../../../test/support/unit';
import { ConversationUpdates, previewOf } from './conversation-updates';
import type { ParleyServer } from './socket-types';

/** A server that records what would be broadcast where. */
function recordingServer(): { server: ParleyServer; emitted: Array<{ to: string; event: ConversationUpdatedEvent }> } {
  const emitted: Array<{ to: string; event: ConversationUpdatedEvent }> = [];
  const server = fake<ParleyServer>({
    to: ((to: string) => ({ emit: (_name: string, event: ConversationUpdatedEvent) => emitted.push({ to, event }) })) as unknown as ParleyServer['to'],
  });
  return { server, emitted };
}

describe('ConversationUpdates', () => {
  it('announces the messages a writer stored in one turn as one activity update per room, the newest, with every mention', async () => {
    const events = new DomainEvents();
    const updates = new ConversationUpdates(events, fake<ConversationsService>({}));
    const { server, emitted } = recordingServer();
    updates.attach(server);

    events.emit('message.created', { message: testMessage(1, { content: 'hi @Bob and @carol' }), memberIds: [] });
    events.emit('message.created', { message: testMessage(2, { content: '@bob again, and @ann (the author)' }), memberIds: [] });
    events.emit('message.created', { message: testMessage(7, { roomId: 'r2' }), memberIds: [] });
    events.emit('message.created', { message: testMessage(3, { content: 'third' }), memberIds: [] });
    expect(emitted).toEqual([]); // not before the turn ends
    await Promise.resolve();

    expect(emitted.map(({ to, event }) => [to, event.kind, event.lastSeq, event.mentions])).toEqual([
      ['activity:r1', 'activity', 3, ['bob', 'carol', 'bob']],
      ['activity:r2', 'activity', 7, []],
    ]);
    expect(emitted[0]!.event.lastMessage).toEqual(previewOf(testMessage(3, { content: 'third' })));

    events.emit('message.created', { message: testMessage(4), memberIds: [] });
    await Promise.resolve();
    expect(emitted.map(({ event }) => event.lastSeq)).toEqual([3, 7, 4]);
  });

  it('previews the first 100 characters, counted as code points, and nothing of a deleted message', () => {
    const emoji = '😀'.repeat(150);
    expect(previewOf(testMessage(1, { content: emoji })).preview).toBe('😀'.repeat(100));
    expect(previewOf(testMessage(1, { content: 'x'.repeat(100) })).preview).toBe('x'.repeat(100));
    expect(previewOf(testMessage(1, { content: 'gone', deletedAt: '2026-01-01T00:00:00.000Z' }))).toMatchObject({ preview: '', deleted: true, type: 'text' });
  });
});
