export { AuditModule } from './audit.module';
export { AuditLog, type AuditFilter, type AuditRecord } from './audit.service';
export { AUDIT_ACTIONS, AuditPageDto, RoomAuditQuery, SiteAuditQuery } from './dto';
