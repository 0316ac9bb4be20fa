export { MessagesModule } from './messages.module';
export { MessagesService, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './messages.service';
export { SendMessageDto, EditMessageDto, CONTENT_MAX, CLIENT_MSG_ID_MAX, sendMessageFields, ReportDto, ReportsQuery, ReportIdParams, ResolveReportDto } from './dto';
