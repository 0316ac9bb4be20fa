import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '@parley/users';
import { DmsController } from './dms.controller';
import { MembershipEntity, RoomEntity } from './room.entity';
import { RoomsController } from './rooms.controller';
import { RoomsRepository } from './rooms.repository';
import { RoomsService } from './rooms.service';

@Module({
  imports: [UsersModule, TypeOrmModule.forFeature([RoomEntity, MembershipEntity])],
  controllers: [RoomsController, DmsController],
  providers: [RoomsRepository, RoomsService],
  exports: [RoomsService],
})
export class RoomsModule {}
