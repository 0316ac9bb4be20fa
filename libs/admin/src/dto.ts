import { Trim } from '@parley/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, IsUUID, Length } from 'class-validator';

export class BroadcastDto {
  @ApiProperty({ example: 'Maintenance at 22:00 UTC, back in 5 minutes', minLength: 1, maxLength: 2000 })
  @Trim()
  @IsString()
  @Length(1, 2000)
  content!: string;
}

export class UserIdParams {
  @ApiProperty({ example: '6f1c2b9e-8d7a-4a34-9a51-0c7f1e3b2d10' })
  @IsUUID()
  userId!: string;
}

class InstanceStatsDto {
  @ApiProperty() instanceId!: string;
  @ApiProperty() sockets!: number;
  @ApiProperty() sseStreams!: number;
  @ApiProperty() messagesPerMinute!: number;
  @ApiProperty({ description: 'Average over the last 5 s' }) messagesPerSecond!: number;
  @ApiProperty() startedAt!: string;
  @ApiProperty() reportedAt!: string;
}

export class AdminStatsDto {
  @ApiProperty({ description: 'Socket.IO connections, cluster-wide' }) sockets!: number;
  @ApiProperty({ description: 'Notification SSE streams, cluster-wide' }) sseStreams!: number;
  @ApiProperty({ description: 'Distinct users with a socket (HyperLogLog estimate in a cluster)' }) usersOnline!: number;
  @ApiProperty() rooms!: number;
  @ApiProperty({ description: 'Messages committed in the last 60 s, cluster-wide' }) messagesPerMinute!: number;
  @ApiProperty({ description: 'Messages per second over the last 5 s, cluster-wide' }) messagesPerSecond!: number;
  @ApiProperty({ type: InstanceStatsDto, isArray: true }) instances!: InstanceStatsDto[];
  @ApiProperty() at!: string;
}
