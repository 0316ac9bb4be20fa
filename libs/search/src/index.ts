export { SearchModule } from './search.module';
export { SearchService } from './search.service';
export { SearchCursors, type SearchPosition } from './search-cursor';
export { buildSnippet, type MatchedTokens, type Snippet } from './snippet';
export { MessageSearchQuery, NameSearchQuery, SearchHitDto, SearchPageDto } from './dto';
