import { ApiError, validateByDecorators, validatePayload } from '@parley/common';
import { SendMessageDto } from '@parley/messages';
import * as classTransformer from 'class-transformer';
import { MessageSendDto } from './dto';

const ROOM = '3f1c9a52-8d4b-4e7a-9c21-0b6d2f8e4a17';

/** Values each field is tried with: accepted, refused, and the edges between. */
const ROOM_IDS: unknown[] = [ROOM, ROOM.toUpperCase(), '00000000-0000-0000-0000-000000000000', `${ROOM}x`, ROOM.slice(1), 'not-a-uuid', '', 42, null, undefined, {}];
const CONTENTS: unknown[] = [
  'hello',
  '  padded  ',
  'x'.repeat(5000),
  'x'.repeat(5001),
  ` ${'x'.repeat(5000)} `,
  '😀'.repeat(5000), // 10 000 UTF-16 units, 5000 characters for class-validator
  '😀'.repeat(5001),
  '\uFE0F', // a lone variation selector: length 0 for class-validator
  'a\uFE0F',
  '',
  '   ',
  '\n\t',
  7,
  null,
  undefined,
  ['hello'],
];
const CLIENT_MSG_IDS: unknown[] = [undefined, 'web-1', 'x'.repeat(64), 'x'.repeat(65), '', ' ', null, 5, '😀'.repeat(64)];

function outcome(validate: () => object): { value: object } | { error: string } {
  try {
    return { value: validate() };
  } catch (error) {
    return { error: error instanceof ApiError ? error.code : String(error) };
  }
}

/** The fast path (validatePayload) must answer exactly as the decorators do, payload by payload. */
function expectSameAsDecorators(dto: new () => object, payloads: unknown[]): number {
  let accepted = 0;
  for (const payload of payloads) {
    const fast = outcome(() => validatePayload(dto, payload));
    const decorators = outcome(() => validateByDecorators(dto, payload));
    expect({ payload, result: fast }).toEqual({ payload, result: decorators });
    if ('value' in fast) {
      expect(fast.value).toBeInstanceOf(dto);
      accepted++;
    }
  }
  return accepted;
}

describe('message:send validation fast path', () => {
  it('accepts and refuses exactly what the decorators do, with the same fields', () => {
    const payloads: unknown[] = [];
    for (const roomId of ROOM_IDS)
      for (const content of CONTENTS)
        for (const clientMsgId of CLIENT_MSG_IDS) {
          const payload: Record<string, unknown> = { roomId, content };
          if (clientMsgId !== undefined) payload.clientMsgId = clientMsgId;
          if (roomId === undefined) delete payload.roomId;
          payloads.push(payload);
        }
    payloads.push(
      { roomId: ROOM, content: 'hi', extra: 1 },
      { roomId: ROOM, content: 'hi', clientMsgId: undefined },
      JSON.parse(`{"roomId":"${ROOM}","content":"hi","__proto__":{"x":1}}`),
      Object.assign(Object.create(null) as object, { roomId: ROOM, content: 'hi' }),
      'hi',
      null,
      [ROOM, 'hi'],
    );
    // Both outcomes occur (the corpus is not all refusals).
    expect(expectSameAsDecorators(MessageSendDto, payloads)).toBeGreaterThan(50);
  });

  it('is used for REST sends too (no roomId in the body)', () => {
    const payloads: unknown[] = CONTENTS.flatMap((content) => CLIENT_MSG_IDS.map((clientMsgId) => ({ content, clientMsgId })));
    payloads.push({ content: 'hi', roomId: ROOM });
    expect(expectSameAsDecorators(SendMessageDto, payloads)).toBeGreaterThan(10);
  });

  it('takes a well-formed send without class-transformer, and anything else to the decorators', () => {
    const transform = jest.spyOn(classTransformer, 'plainToInstance');
    try {
      validatePayload(MessageSendDto, { roomId: ROOM, content: 'hi', clientMsgId: 'c1' });
      validatePayload(SendMessageDto, { content: 'hi' });
      expect(transform).not.toHaveBeenCalled();
      expect(() => validatePayload(MessageSendDto, { roomId: ROOM, content: ' ' })).toThrow(ApiError);
      expect(transform).toHaveBeenCalledTimes(1);
    } finally {
      transform.mockRestore();
    }
  });

  it('returns the trimmed content', () => {
    expect(validatePayload(MessageSendDto, { roomId: ROOM, content: '  hi  ', clientMsgId: 'c1' })).toEqual({ roomId: ROOM, content: 'hi', clientMsgId: 'c1' });
  });
});
