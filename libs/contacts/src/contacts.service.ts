import { Injectable } from '@nestjs/common';
import { ApiError } from '@parley/common';
import type { Contact } from '@parley/contract';
import { RoomsService } from '@parley/rooms';
import { Blocks, userFromJson, UsersService } from '@parley/users';
import { ContactsRepository, type ContactRecord } from './contacts.repository';
import { CONTACTS_MAX, UserStatuses } from './user-statuses';

/**
 * A user's contacts (contract §10): added by id, one way (the other user is not asked), listed with their
 * status. Adding a contact makes the caller's sockets watch them at once, on every instance.
 */
@Injectable()
export class Contacts {
  constructor(
    private readonly repository: ContactsRepository,
    private readonly users: UsersService,
    private readonly blocks: Blocks,
    private readonly rooms: RoomsService,
    private readonly statuses: UserStatuses,
  ) {}

  async list(ownerId: string): Promise<Contact[]> {
    const records = await this.repository.list(ownerId);
    return this.withStatuses(ownerId, records);
  }

  /**
   * `created` tells 201 from 200. Oneself is `validation_failed`; an unknown or deleted user, and one who
   * blocked the caller, `not_found` (the block stays invisible); a user the caller blocked, `conflict`.
   */
  async add(ownerId: string, contactId: string): Promise<{ contact: Contact; created: boolean }> {
    if (ownerId === contactId) throw ApiError.validation('You cannot add yourself as a contact');
    const user = await this.users.findById(contactId);
    if (!user || user.deleted || (await this.blocks.hasBlocked(contactId, ownerId))) throw ApiError.notFound('User');
    if (await this.blocks.hasBlocked(ownerId, contactId)) throw ApiError.conflict('You blocked this user; unblock them first');
    const { added, full } = await this.repository.insert(ownerId, contactId, CONTACTS_MAX);
    if (full) throw ApiError.conflict(`You have ${CONTACTS_MAX} contacts already`);
    // Watched before the status is read, so that a change right after the answer is not missed (as far as the
    // other instances' joins go: a client that must not miss one sends `status:watch`, which joins, then reads).
    if (added) this.statuses.watchEverywhere(ownerId, contactId);
    const record = await this.repository.find(ownerId, contactId);
    if (!record) throw ApiError.conflict('The contact was removed meanwhile');
    const [contact] = await this.withStatuses(ownerId, [record]);
    return { contact: contact as Contact, created: added };
  }

  /** Idempotent. The caller's sockets stop watching the user unless they still share a room. */
  async remove(ownerId: string, contactId: string): Promise<void> {
    if (!(await this.repository.delete(ownerId, contactId))) return;
    if (!(await this.rooms.usersSharingARoom(ownerId, [contactId])).has(contactId)) this.statuses.unwatchEverywhere(ownerId, contactId);
  }

  private async withStatuses(ownerId: string, records: ContactRecord[]): Promise<Contact[]> {
    const statuses = await this.statuses.statusesFor(
      ownerId,
      records.map((record) => record.user.id),
    );
    return records.map((record) => ({
      user: userFromJson(record.user),
      addedAt: record.addedAt.toISOString(),
      status: statuses.get(record.user.id) ?? { userId: record.user.id, status: 'offline', statusText: null, lastSeenAt: null },
    }));
  }
}
