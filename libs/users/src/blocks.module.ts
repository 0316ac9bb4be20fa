import { Module } from '@nestjs/common';
import { BlocksController } from './blocks.controller';
import { BlocksRepository } from './blocks.repository';
import { Blocks } from './blocks.service';
import { UsersModule } from './users.module';

/** Blocks, apart from UsersModule: they need the ChannelBus and DomainEvents, which the admin CLI does not have. */
@Module({
  imports: [UsersModule],
  controllers: [BlocksController],
  providers: [BlocksRepository, Blocks],
  exports: [Blocks],
})
export class BlocksModule {}
