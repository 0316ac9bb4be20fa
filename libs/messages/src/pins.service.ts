import { Injectable } from '@nestjs/common';
import { ApiError, DomainEvents } from '@parley/common';
import type { Pin } from '@parley/contract';
import { RoomsService } from '@parley/rooms';
import { UsersService } from '@parley/users';
import { MessagesRepository } from './messages.repository';

/** How many messages a room can have pinned at once. */
export const MAX_PINS_PER_ROOM = 50;

/** Pinned messages: the room's owner and admins pin and unpin; whoever sees the room sees its pins. */
@Injectable()
export class PinsService {
  constructor(
    private readonly repository: MessagesRepository,
    private readonly rooms: RoomsService,
    private readonly users: UsersService,
    private readonly events: DomainEvents,
  ) {}

  async list(userId: string, roomId: string): Promise<Pin[]> {
    await this.rooms.requireAccess(userId, roomId, 'view');
    return this.repository.findPins(roomId);
  }

  /** `created` false: it was pinned already (the pin is returned as it is). */
  async pin(userId: string, roomId: string, messageId: string): Promise<{ pin: Pin; created: boolean }> {
    await this.rooms.requireAccess(userId, roomId, 'manage');
    const outcome = await this.repository.pin(roomId, messageId, userId, MAX_PINS_PER_ROOM);
    switch (outcome) {
      case 'missing':
        throw ApiError.notFound('Message');
      case 'deleted':
        throw ApiError.conflict('A deleted message cannot be pinned');
      case 'full':
        throw ApiError.conflict(`A room can have at most ${MAX_PINS_PER_ROOM} pinned messages: unpin one first`);
      case 'already':
      case 'pinned':
        break;
    }
    const [pin] = await this.repository.findPins(roomId, messageId);
    // Unpinned or deleted in between: as if it never was.
    if (!pin) throw ApiError.notFound('Message');
    if (outcome === 'pinned') this.events.emit('message.pinned', { pin });
    return { pin, created: outcome === 'pinned' };
  }

  /** Idempotent: unpinning a message that is not pinned does nothing (and tells nobody). */
  async unpin(userId: string, roomId: string, messageId: string): Promise<void> {
    await this.rooms.requireAccess(userId, roomId, 'manage');
    if (!(await this.repository.unpin(roomId, messageId))) return;
    const unpinnedBy = await this.users.getById(userId);
    this.events.emit('message.unpinned', { roomId, messageId, unpinnedBy });
  }
}
