export { AttachmentsModule, createAttachmentStore } from './attachments.module';
export { AttachmentsService, toSummary, type AttachmentSummary, type AttachmentDownload } from './attachments.service';
export { AttachmentSweeper } from './attachment-sweeper';
export { AttachmentDto } from './dto';
export { UrlSigner, type AttachmentVariant } from './signed-url';
export { detectContentType, INLINE_IMAGE_TYPES } from './content-type';
export { sanitizeFileName, FILE_NAME_MAX } from './file-name';
export type { AttachmentStore, StoredPart } from './storage/attachment-store';
