import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { RoomKind, RoomRole, RoomVisibility, SanctionKind } from '@parley/contract';
import { isUniqueViolation, queryModified, queryRows } from '@parley/database';
import { createHash } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';

/** A room as one viewer sees it: the room row, its member count and the viewer's membership (if any). */
export interface RoomRecord {
  id: string;
  name: string;
  description: string;
  visibility: RoomVisibility;
  kind: RoomKind;
  createdBy: string | null;
  createdAt: Date;
  lastSeq: number;
  memberCount: number;
  viewerRole: RoomRole | null;
  viewerLastReadSeq: number | null;
  viewerMuted: boolean;
  /** The end of the viewer's mute; null when for good or not muted. */
  viewerMutedUntil: Date | null;
}

export interface MemberRecord {
  userId: string;
  username: string;
  displayName: string;
  userCreatedAt: Date;
  userDeletedAt: Date | null;
  role: RoomRole;
  joinedAt: Date;
}

export interface MembershipRecord {
  roomId: string;
  userId: string;
  role: RoomRole;
}

/** An active mute or ban; `until` null: for good. */
export interface SanctionRecord {
  roomId: string;
  userId: string;
  username: string;
  displayName: string;
  userCreatedAt: Date;
  userDeletedAt: Date | null;
  kind: SanctionKind;
  until: Date | null;
  reason: string;
  createdBy: string | null;
  createdAt: Date;
}

interface SanctionRow {
  room_id: string;
  user_id: string;
  username: string;
  display_name: string;
  user_created_at: Date;
  user_deleted_at: Date | null;
  kind: SanctionKind;
  until: Date | null;
  reason: string;
  created_by: string | null;
  created_at: Date;
}

const SANCTION_SELECT = `
  SELECT s.room_id, s.user_id, u.username, u.display_name, u.created_at AS user_created_at, u.deleted_at AS user_deleted_at, s.kind,
         CASE WHEN s.until = 'infinity' THEN NULL ELSE s.until END AS until, s.reason, s.created_by, s.created_at
  FROM room_sanctions s JOIN users u ON u.id = s.user_id`;

function toSanction(row: SanctionRow): SanctionRecord {
  return {
    roomId: row.room_id,
    userId: row.user_id,
    username: row.username,
    displayName: row.display_name,
    userCreatedAt: row.user_created_at,
    userDeletedAt: row.user_deleted_at,
    kind: row.kind,
    until: row.until,
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

export interface RoomRow {
  id: string;
  name: string;
  description: string;
  visibility: RoomVisibility;
  kind: RoomKind;
  created_by: string | null;
  created_at: Date;
  last_seq: number;
  member_count: number;
  viewer_role: RoomRole | null;
  viewer_last_read_seq: number | null;
  viewer_muted: boolean;
  viewer_muted_until: Date | null;
}

/** A room's newest seq: its newest message's, one probe of the (room_id, seq) index (0 when empty). */
export const lastSeqOf = (room: string): string => `coalesce((SELECT max(s.seq) FROM messages s WHERE s.room_id = ${room}), 0)`;

const ROOM_VIEW_SELECT = `
  SELECT r.id, r.name, r.description, r.visibility, r.kind, r.created_by, r.created_at, ${lastSeqOf('r.id')} AS last_seq,
         (SELECT count(*) FROM memberships c WHERE c.room_id = r.id) AS member_count,
         m.role AS viewer_role, m.last_read_seq AS viewer_last_read_seq,
         vm.room_id IS NOT NULL AS viewer_muted, NULLIF(vm.until, 'infinity') AS viewer_muted_until
  FROM rooms r
  LEFT JOIN memberships m ON m.room_id = r.id AND m.user_id = $1
  LEFT JOIN room_sanctions vm ON vm.room_id = r.id AND vm.user_id = $1 AND vm.kind = 'mute' AND vm.until > now()`;

export function toRecord(row: RoomRow): RoomRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    visibility: row.visibility,
    kind: row.kind,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastSeq: row.last_seq,
    memberCount: row.member_count,
    viewerRole: row.viewer_role,
    viewerLastReadSeq: row.viewer_last_read_seq,
    viewerMuted: row.viewer_muted,
    viewerMutedUntil: row.viewer_muted_until,
  };
}

/** Persistence of rooms and memberships; private to the rooms module. */
@Injectable()
export class RoomsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async findRoomForViewer(roomId: string, viewerId: string, manager: EntityManager = this.db.manager): Promise<RoomRecord | null> {
    const rows = await queryRows<RoomRow>(manager, `${ROOM_VIEW_SELECT} WHERE r.id = $2`, [viewerId, roomId]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** The given rooms as the viewer sees them, in no particular order; unknown ids are left out. */
  async findRoomsForViewer(roomIds: readonly string[], viewerId: string): Promise<RoomRecord[]> {
    const rows = await queryRows<RoomRow>(this.db, `${ROOM_VIEW_SELECT} WHERE r.id = ANY($2::uuid[])`, [viewerId, roomIds]);
    return rows.map(toRecord);
  }

  /** Public group rooms plus the group rooms the viewer belongs to. */
  async listVisibleGroupRooms(viewerId: string): Promise<RoomRecord[]> {
    const rows = await queryRows<RoomRow>(
      this.db,
      `${ROOM_VIEW_SELECT} WHERE r.kind = 'group' AND (r.visibility = 'public' OR m.user_id IS NOT NULL)
       ORDER BY r.created_at, r.id`,
      [viewerId],
    );
    return rows.map(toRecord);
  }

  /** Every room the viewer is a member of, direct rooms included. */
  async listJoinedRooms(viewerId: string): Promise<RoomRecord[]> {
    const rows = await queryRows<RoomRow>(this.db, `${ROOM_VIEW_SELECT} WHERE m.user_id IS NOT NULL ORDER BY r.created_at, r.id`, [viewerId]);
    return rows.map(toRecord);
  }

  /** Creates a group room with its creator as owner; null when the name is taken. */
  async insertGroupRoom(name: string, description: string, visibility: RoomVisibility, creatorId: string): Promise<RoomRecord | null> {
    try {
      return await this.db.transaction(async (manager) => {
        const [{ id: roomId }] = (await queryRows<{ id: string }>(
          manager,
          `INSERT INTO rooms (name, description, visibility, kind, created_by) VALUES ($1, $2, $3, 'group', $4) RETURNING id`,
          [name, description, visibility, creatorId],
        )) as [{ id: string }];
        await queryRows(manager, `INSERT INTO memberships (room_id, user_id, role) VALUES ($1, $2, 'owner')`, [roomId, creatorId]);
        return this.findRoomForViewer(roomId, creatorId, manager);
      });
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /**
   * Returns the name and description the update replaced (read under the update's own row lock, so of two
   * concurrent renames the second sees the first's name), or null when the new name is taken.
   */
  async updateRoom(roomId: string, changes: { name?: string; description?: string }): Promise<{ name: string; description: string } | null> {
    try {
      const { rows } = await queryModified<{ name: string; description: string }>(
        this.db,
        `UPDATE rooms r SET name = COALESCE($2, r.name), description = COALESCE($3, r.description)
         FROM (SELECT id, name, description FROM rooms WHERE id = $1 FOR NO KEY UPDATE) old
         WHERE r.id = old.id RETURNING old.name, old.description`,
        [roomId, changes.name ?? null, changes.description ?? null],
      );
      return rows[0] ?? { name: changes.name ?? '', description: changes.description ?? '' };
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /** Deletes the room (memberships and messages cascade) and returns who its members were. */
  async deleteRoom(roomId: string): Promise<string[]> {
    return this.db.transaction(async (manager) => {
      const members = await queryRows<{ user_id: string }>(manager, `SELECT user_id FROM memberships WHERE room_id = $1`, [roomId]);
      await queryModified(manager, `DELETE FROM rooms WHERE id = $1`, [roomId]);
      return members.map((row) => row.user_id);
    });
  }

  async findMembership(roomId: string, userId: string): Promise<MembershipRecord | null> {
    const rows = await queryRows<{ role: RoomRole }>(this.db, `SELECT role FROM memberships WHERE room_id = $1 AND user_id = $2`, [roomId, userId]);
    const row = rows[0];
    return row ? { roomId, userId, role: row.role } : null;
  }

  /** Returns false when the user already was a member. New members have read everything before they came. */
  async insertMembership(roomId: string, userId: string, role: RoomRole, manager: EntityManager = this.db.manager): Promise<boolean> {
    const rows = await queryRows(
      manager,
      `INSERT INTO memberships (room_id, user_id, role, last_read_seq)
       SELECT $1, $2, $3, ${lastSeqOf('r.id')} FROM rooms r WHERE r.id = $1
       ON CONFLICT (room_id, user_id) DO NOTHING RETURNING user_id`,
      [roomId, userId, role],
    );
    return rows.length > 0;
  }

  /**
   * Removes a membership. When the owner leaves, ownership passes to the highest-ranking member (admin, then
   * moderator, then member), the longest-standing first, so a room with people in it always has an owner;
   * `successorId` names them. The room row is locked first,
   * so that two members leaving at once pick the new owner one after the other.
   */
  async deleteMembership(
    roomId: string,
    userId: string,
  ): Promise<(MembershipRecord & { roomKind: RoomKind; successorId: string | null; successorRole: RoomRole | null }) | null> {
    return this.db.transaction(async (manager) => {
      const [room] = await queryRows<{ kind: RoomKind }>(manager, `SELECT kind FROM rooms WHERE id = $1 FOR NO KEY UPDATE`, [roomId]);
      const { rows: deleted } = await queryModified<{ role: RoomRole }>(
        manager,
        `DELETE FROM memberships WHERE room_id = $1 AND user_id = $2 RETURNING role`,
        [roomId, userId],
      );
      const row = deleted[0];
      if (!row) return null;
      let successorId: string | null = null;
      let successorRole: RoomRole | null = null;
      if (row.role === 'owner') {
        const { rows: promoted } = await queryModified<{ user_id: string; role: RoomRole }>(
          manager,
          `UPDATE memberships m SET role = 'owner'
           FROM (SELECT user_id, role FROM memberships WHERE room_id = $1
                 ORDER BY CASE role WHEN 'admin' THEN 0 WHEN 'moderator' THEN 1 ELSE 2 END, joined_at, user_id LIMIT 1) next
           WHERE m.room_id = $1 AND m.user_id = next.user_id
           RETURNING m.user_id, next.role`,
          [roomId],
        );
        successorId = promoted[0]?.user_id ?? null;
        successorRole = promoted[0]?.role ?? null;
      }
      return { roomId, userId, role: row.role, roomKind: room?.kind ?? 'group', successorId, successorRole };
    });
  }

  async listMembers(roomId: string): Promise<MemberRecord[]> {
    const rows = await queryRows<{ id: string; username: string; display_name: string; created_at: Date; deleted_at: Date | null; role: RoomRole; joined_at: Date }>(
      this.db,
      `SELECT u.id, u.username, u.display_name, u.created_at, u.deleted_at, m.role, m.joined_at
       FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.room_id = $1
       ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 WHEN 'moderator' THEN 2 ELSE 3 END, lower(u.username)`,
      [roomId],
    );
    return rows.map((row) => ({
      userId: row.id,
      username: row.username,
      displayName: row.display_name,
      userCreatedAt: row.created_at,
      userDeletedAt: row.deleted_at,
      role: row.role,
      joinedAt: row.joined_at,
    }));
  }

  async countRooms(): Promise<number> {
    const rows = await queryRows<{ count: number }>(this.db, `SELECT count(*) AS count FROM rooms`);
    return rows[0]?.count ?? 0;
  }

  /** Of the given (room, user) pairs, those that are memberships, as "roomId|userId". */
  async filterMemberships(pairs: Array<{ roomId: string; userId: string }>): Promise<Set<string>> {
    if (pairs.length === 0) return new Set();
    const rows = await queryRows<{ room_id: string; user_id: string }>(
      this.db,
      `SELECT m.room_id, m.user_id FROM memberships m
       JOIN unnest($1::uuid[], $2::uuid[]) AS p(room_id, user_id) ON p.room_id = m.room_id AND p.user_id = m.user_id`,
      [pairs.map((pair) => pair.roomId), pairs.map((pair) => pair.userId)],
    );
    return new Set(rows.map((row) => `${row.room_id}|${row.user_id}`));
  }

  async listMemberIds(roomId: string): Promise<string[]> {
    const rows = await queryRows<{ user_id: string }>(this.db, `SELECT user_id FROM memberships WHERE room_id = $1`, [roomId]);
    return rows.map((row) => row.user_id);
  }

  /** Of `otherIds`, those who share at least one room (of any kind) with `userId` (status visibility). */
  async usersSharingARoom(userId: string, otherIds: string[]): Promise<string[]> {
    if (otherIds.length === 0) return [];
    const rows = await queryRows<{ user_id: string }>(
      this.db,
      `SELECT DISTINCT other.user_id FROM memberships mine
       JOIN memberships other ON other.room_id = mine.room_id AND other.user_id = ANY($2::uuid[]) AND other.user_id <> $1
       WHERE mine.user_id = $1`,
      [userId, otherIds],
    );
    return rows.map((row) => row.user_id);
  }

  /** The other members of the user's direct rooms and group DMs, newest room first, at most `limit`. */
  async directPartnerIds(userId: string, limit: number): Promise<string[]> {
    const rows = await queryRows<{ user_id: string }>(
      this.db,
      `SELECT other.user_id FROM memberships mine
       JOIN rooms r ON r.id = mine.room_id AND r.kind IN ('direct', 'group_dm')
       JOIN memberships other ON other.room_id = mine.room_id AND other.user_id <> $1
       WHERE mine.user_id = $1 GROUP BY other.user_id ORDER BY max(r.created_at) DESC LIMIT $2`,
      [userId, limit],
    );
    return rows.map((row) => row.user_id);
  }

  /** Moves the read marker forward only, never past the room's newest message. Returns the new value when it moved. */
  async advanceReadSeq(roomId: string, userId: string, seq: number): Promise<number | null> {
    const { rows } = await queryModified<{ last_read_seq: number }>(
      this.db,
      `UPDATE memberships m SET last_read_seq = target.seq
       FROM (SELECT LEAST($3::bigint, ${lastSeqOf('$1')}) AS seq) target
       WHERE m.room_id = $1 AND m.user_id = $2 AND m.last_read_seq < target.seq
       RETURNING m.last_read_seq`,
      [roomId, userId, seq],
    );
    return rows[0]?.last_read_seq ?? null;
  }

  /**
   * The private room of kind `kind` with this `dm_key`, inserted unless it exists: concurrent first calls race on
   * the dm_key unique index and the loser reads the winner's room. `created`: this call inserted it.
   */
  private async findOrInsertKeyedRoom(
    manager: EntityManager,
    kind: 'direct' | 'group_dm',
    name: string,
    createdBy: string,
    dmKey: string,
  ): Promise<{ roomId: string; created: boolean }> {
    const inserted = await queryRows<{ id: string }>(
      manager,
      `INSERT INTO rooms (name, description, visibility, kind, created_by, dm_key)
       VALUES ($1, '', 'private', $2, $3, $4)
       ON CONFLICT (dm_key) DO NOTHING RETURNING id`,
      [name, kind, createdBy, dmKey],
    );
    if (inserted[0]) return { roomId: inserted[0].id, created: true };
    const [existing] = (await queryRows<{ id: string }>(manager, `SELECT id FROM rooms WHERE dm_key = $1`, [dmKey])) as [{ id: string }];
    return { roomId: existing.id, created: false };
  }

  /**
   * The one direct room of a pair. Concurrent first calls race on the dm_key unique index; the loser reads
   * the winner's room. Both users are (re-)made members. Returns whether this call created it.
   */
  async findOrCreateDirectRoom(userA: string, userB: string, name: string): Promise<{ roomId: string; created: boolean }> {
    const dmKey = [userA, userB].sort().join(':');
    return this.db.transaction(async (manager) => {
      const { roomId, created } = await this.findOrInsertKeyedRoom(manager, 'direct', name, userA, dmKey);
      await this.insertMembership(roomId, userA, 'member', manager);
      await this.insertMembership(roomId, userB, 'member', manager);
      return { roomId, created };
    });
  }

  /**
   * The one group DM of a set of people (the creator included): keyed by a hash of the sorted member ids, so
   * concurrent first calls race on the dm_key unique index and the loser reads the winner's room. Everyone in
   * the set is (re-)made a member. Returns whether this call created it.
   */
  async findOrCreateGroupDm(creatorId: string, memberIds: string[], name: string): Promise<{ roomId: string; created: boolean }> {
    const dmKey = `g:${createHash('sha256').update([...memberIds].sort().join(',')).digest('hex')}`;
    return this.db.transaction(async (manager) => {
      const { roomId, created } = await this.findOrInsertKeyedRoom(manager, 'group_dm', name, creatorId, dmKey);
      for (const memberId of [...memberIds].sort()) await this.insertMembership(roomId, memberId, 'member', manager);
      return { roomId, created };
    });
  }

  /** Runs `work` in one transaction (an action and its audit entry commit together). */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /**
   * Gives or renews a mute or ban. Its end is decided by the database clock now (`durationSeconds` from now),
   * so it holds across restarts and instances; without a duration it lasts for good ('infinity').
   */
  async upsertSanction(
    manager: EntityManager,
    sanction: { roomId: string; userId: string; kind: SanctionKind; durationSeconds: number | null; reason: string; createdBy: string },
  ): Promise<SanctionRecord> {
    await queryRows(
      manager,
      `INSERT INTO room_sanctions (room_id, user_id, kind, until, reason, created_by)
       VALUES ($1, $2, $3, CASE WHEN $4::int IS NULL THEN 'infinity'::timestamptz ELSE now() + make_interval(secs => $4::int) END, $5, $6)
       ON CONFLICT (room_id, user_id, kind) DO UPDATE SET until = EXCLUDED.until, reason = EXCLUDED.reason, created_by = EXCLUDED.created_by, created_at = now()`,
      [sanction.roomId, sanction.userId, sanction.kind, sanction.durationSeconds, sanction.reason, sanction.createdBy],
    );
    const rows = await queryRows<SanctionRow>(manager, `${SANCTION_SELECT} WHERE s.room_id = $1 AND s.user_id = $2 AND s.kind = $3`, [
      sanction.roomId,
      sanction.userId,
      sanction.kind,
    ]);
    return toSanction(rows[0] as SanctionRow);
  }

  /** Ends a mute or ban; false when there was none in force. */
  async deleteActiveSanction(manager: EntityManager, roomId: string, userId: string, kind: SanctionKind): Promise<boolean> {
    const { rows: deleted } = await queryModified<{ active: boolean }>(
      manager,
      `DELETE FROM room_sanctions WHERE room_id = $1 AND user_id = $2 AND kind = $3 RETURNING until > now() AS active`,
      [roomId, userId, kind],
    );
    return deleted.some((row) => row.active);
  }

  async findActiveSanction(roomId: string, userId: string, kind: SanctionKind): Promise<SanctionRecord | null> {
    const rows = await queryRows<SanctionRow>(this.db, `${SANCTION_SELECT} WHERE s.room_id = $1 AND s.user_id = $2 AND s.kind = $3 AND s.until > now()`, [
      roomId,
      userId,
      kind,
    ]);
    return rows[0] ? toSanction(rows[0]) : null;
  }

  async listActiveSanctions(roomId: string, kind: SanctionKind | null): Promise<SanctionRecord[]> {
    const rows = await queryRows<SanctionRow>(this.db, 
      `${SANCTION_SELECT} WHERE s.room_id = $1 AND ($2::text IS NULL OR s.kind = $2) AND s.until > now() ORDER BY s.created_at DESC, s.user_id`,
      [roomId, kind],
    );
    return rows.map(toSanction);
  }

  /** Removes a membership inside the caller's transaction (a ban); the banned are never owners. */
  async deleteNonOwnerMembership(manager: EntityManager, roomId: string, userId: string): Promise<boolean> {
    const { rows: deleted } = await queryModified<unknown>(manager, `DELETE FROM memberships WHERE room_id = $1 AND user_id = $2 AND role <> 'owner' RETURNING user_id`, [
      roomId,
      userId,
    ]);
    return deleted.length > 0;
  }

  async updateRoleIn(manager: EntityManager, roomId: string, userId: string, role: RoomRole): Promise<void> {
    await queryModified(manager, `UPDATE memberships SET role = $3 WHERE room_id = $1 AND user_id = $2`, [roomId, userId, role]);
  }
}
