import { ApiError } from '@parley/common';
import { CursorCodec } from './conversations.service';

describe('CursorCodec', () => {
  const codec = new CursorCodec('a-secret-long-enough-for-the-tests-0123456789');
  const position = { activityKey: '1764700000123456', roomId: '0b5e8a52-6f43-4f0e-a3f7-2b1a86c9a0de' };

  it('gives back the position it encoded', () => {
    expect(codec.decode(codec.encode(position))).toEqual(position);
  });

  it('refuses an altered, made-up or foreign cursor as validation_failed', () => {
    const cursor = codec.encode(position);
    const [body] = cursor.split('.');
    const forged = `${Buffer.from(JSON.stringify(['1', position.roomId])).toString('base64url')}.${cursor.split('.')[1]}`;
    const foreign = new CursorCodec('another-secret-long-enough-0123456789').encode(position);
    for (const bad of [forged, foreign, `${cursor}x`, body!, '', '.', 'a.b.c', `${cursor}.x`]) {
      let thrown: unknown;
      try {
        codec.decode(bad);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ApiError);
      expect((thrown as ApiError).code).toBe('validation_failed');
    }
  });
});
