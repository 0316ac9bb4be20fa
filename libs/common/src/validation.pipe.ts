import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { validatePayload, type Constructor } from './validation';

const PRIMITIVES: readonly unknown[] = [String, Number, Boolean, Object, Array];

/** Global pipe: validates every DTO-typed body, query and params object with the same rules as sockets. */
@Injectable()
export class ValidationPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const metatype = metadata.metatype;
    if (!metatype || PRIMITIVES.includes(metatype) || metadata.type === 'custom') return value;
    // A missing JSON body reaches us as undefined or {}; both mean "no fields".
    const input = metadata.type === 'body' && value === undefined ? {} : value;
    return validatePayload(metatype as Constructor<object>, input, metadata.type === 'body' ? 'body' : metadata.type);
  }
}
