import { Module } from '@nestjs/common';
import { RoomsModule } from '@parley/rooms';
import { SearchController } from './search.controller';
import { SearchRepository } from './search.repository';
import { SearchService } from './search.service';

/** Search over messages, users and public rooms (docs/api-contract.md §9). */
@Module({
  imports: [RoomsModule],
  controllers: [SearchController],
  providers: [SearchRepository, SearchService],
  exports: [SearchService],
})
export class SearchModule {}
