export { MessagesModule } from './messages.module';
export { MessagesService, MAX_PAGE_SIZE } from './messages.service';
export { MessageDto, SendMessageDto, EditMessageDto, ReactDto, sendMessageFields, sendOptionsOf, ReportDto, ReportsQuery, ReportIdParams, ResolveReportDto } from './dto';
export { MESSAGE_COLUMNS, toMessage, type MessageRow } from './messages.repository';
