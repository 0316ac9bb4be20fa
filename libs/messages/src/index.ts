export { MessagesModule } from './messages.module';
export { MessagesService, MAX_PAGE_SIZE } from './messages.service';
export { SendMessageDto, EditMessageDto, ReactDto, sendMessageFields, ReportDto, ReportsQuery, ReportIdParams, ResolveReportDto } from './dto';
