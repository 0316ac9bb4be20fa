import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { currentRequestId } from './request-context';

/**
 * Nest's console logger, with the id of the HTTP request or socket event being handled (if any) after the
 * context: `[HTTP] [req 5f0c…] message`, or a `requestId` field in JSON mode. Installed at boot.
 */
export class ContextLogger extends ConsoleLogger {
  protected override formatContext(context: string): string {
    const id = currentRequestId();
    return id === undefined ? super.formatContext(context) : `${super.formatContext(context)}[req ${id}] `;
  }

  protected override getJsonLogObject(
    message: unknown,
    options: { context: string; logLevel: LogLevel; writeStreamType?: 'stdout' | 'stderr'; errorStack?: unknown },
  ) {
    const object = super.getJsonLogObject(message, options);
    const id = currentRequestId();
    return id === undefined ? object : { ...object, requestId: id };
  }
}
