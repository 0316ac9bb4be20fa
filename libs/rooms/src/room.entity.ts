import type { RoomKind, RoomRole, RoomVisibility } from '@parley/contract';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'rooms' })
export class RoomEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'varchar', length: 500, default: '' })
  description!: string;

  @Column({ type: 'varchar', length: 16 })
  visibility!: RoomVisibility;

  @Column({ type: 'varchar', length: 16 })
  kind!: RoomKind;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** `<smaller user id>:<larger user id>` for direct rooms: one room per pair, enforced by a unique index. */
  @Column({ name: 'dm_key', type: 'varchar', length: 80, nullable: true })
  dmKey!: string | null;
}

@Entity({ name: 'memberships' })
export class MembershipEntity {
  @PrimaryColumn({ name: 'room_id', type: 'uuid' })
  roomId!: string;

  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: RoomRole;

  @CreateDateColumn({ name: 'joined_at', type: 'timestamptz' })
  joinedAt!: Date;

  @Column({ name: 'last_read_seq', type: 'bigint', default: 0 })
  lastReadSeq!: number;
}
