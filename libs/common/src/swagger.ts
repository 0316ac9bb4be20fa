import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';
import { ERROR_STATUS, type ErrorCode } from '@parley/contract';

export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ enum: Object.keys(ERROR_STATUS), example: 'validation_failed' })
  code!: string;

  @ApiProperty({ example: 'Invalid body: content must be shorter than or equal to 5000 characters' })
  message!: string;

  @ApiProperty({ required: false, description: 'Per-field messages for validation_failed', example: { content: ['content must be a string'] } })
  details?: unknown;

  @ApiProperty({
    required: false,
    description: "The request's id, as in its X-Request-Id response header: quote it when reporting a problem",
    example: '3f2b8c1e-6a4d-4e0f-9a57-0c2d5e7b9f14',
  })
  requestId?: string;
}

const DESCRIPTIONS: Record<ErrorCode, string> = {
  validation_failed: 'The body, query or an id is malformed, or has unknown fields',
  unauthorized: 'Missing, expired or invalid access token',
  invalid_credentials: 'Unknown user or wrong password (indistinguishable)',
  forbidden: 'Authenticated but not allowed (role or authorship)',
  not_found: 'Does not exist, or is a private room the caller is not in',
  username_taken: 'The username is already used (case-insensitive)',
  room_name_taken: 'A group room with this name exists (case-insensitive)',
  conflict: 'The request conflicts with the current state',
  payload_too_large: 'The body is larger than the configured limit',
  rate_limited: 'Too many requests; see the Retry-After header',
  unavailable: 'A dependency is down; retry later',
  internal: 'Unexpected server error (never carries details)',
};

/** Documents the contract's error responses on an endpoint: `@ApiErrors('validation_failed', 'not_found')`. */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ...[...byStatus.entries()].map(([status, group]) =>
      ApiResponse({
        status,
        type: ErrorResponseDto,
        description: group.map((code) => `\`${code}\`: ${DESCRIPTIONS[code]}`).join('; '),
        example: { statusCode: status, code: group[0], message: group[0] === undefined ? '' : DESCRIPTIONS[group[0]] },
      }),
    ),
  );
}
