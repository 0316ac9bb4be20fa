import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@parley/config';
import type { User } from '@parley/contract';
import { Blocks, UsersService } from '@parley/users';
import { roomChannel, userChannel, type ParleyServer } from './socket-types';
import { TypingTracker } from './typing.tracker';

/** Profiles of typists kept for announcing their expiry without a lookup; beyond this the memory starts over. */
const MAX_PROFILES = 10_000;

/**
 * Typing state of the users whose `typing` events reach this instance, announced to the room's subscribers
 * (the typist's own sockets, and those of users who blocked the typist, excepted) on every instance through
 * the Socket.IO adapter.
 */
@Injectable()
export class Typing implements OnApplicationShutdown {
  private server?: ParleyServer;
  private readonly profiles = new Map<string, User>();
  private readonly tracker: TypingTracker;

  constructor(
    config: AppConfig,
    private readonly users: UsersService,
    private readonly blocks: Blocks,
  ) {
    this.tracker = new TypingTracker(config.typingTimeoutMs, (roomId, userId, isTyping) => void this.announce(roomId, userId, isTyping));
  }

  attach(server: ParleyServer): void {
    this.server = server;
  }

  set(roomId: string, user: User, isTyping: boolean): void {
    if (isTyping) {
      if (this.profiles.size >= MAX_PROFILES) this.profiles.clear();
      this.profiles.set(user.id, user);
    }
    this.tracker.set(roomId, user.id, isTyping);
  }

  /** The user stopped typing in the room (sent a message, left it). */
  stop(roomId: string, userId: string): void {
    this.tracker.set(roomId, userId, false);
  }

  /** The room is gone: its typists stop. */
  clearRoom(roomId: string): void {
    this.tracker.clearWhere((typingRoom) => typingRoom === roomId);
  }

  onApplicationShutdown(): void {
    this.tracker.clearAll();
  }

  private async announce(roomId: string, userId: string, isTyping: boolean): Promise<void> {
    const user = this.profiles.get(userId) ?? (await this.users.findById(userId));
    if (!user) return;
    // Whoever blocked the typist does not see them type (contract §10): still one adapter broadcast.
    const blockers = await this.blocks.blockersOf(userId);
    const except = [userChannel(userId), ...[...blockers].map(userChannel)];
    this.server?.to(roomChannel(roomId)).except(except).emit('typing', { roomId, user, isTyping });
  }
}
