export { SearchModule } from './search.module';
export { SearchService } from './search.service';
export { SearchCursors, type SearchPosition } from './search-cursor';
export { parseHeadline } from './headline';
export { MessageSearchQuery, NameSearchQuery, SearchHitDto, SearchPageDto } from './dto';
