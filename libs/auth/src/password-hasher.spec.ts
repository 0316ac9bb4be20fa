import { PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();
  let hash: string;

  beforeAll(async () => {
    hash = await hasher.hash('correct horse battery staple');
  });

  it('produces an argon2id hash that does not contain the password', () => {
    expect(hash.startsWith('$argon2id$v=19$')).toBe(true);
    // OWASP baseline parameters: 19 MiB, 2 passes, 1 lane (the encoder decides their order).
    const params = hash.split('$')[3]?.split(',').sort();
    expect(params).toEqual(['m=19456', 'p=1', 't=2']);
    expect(hash).not.toContain('correct horse');
  });

  it('salts: the same password hashes differently each time', async () => {
    expect(await hasher.hash('correct horse battery staple')).not.toBe(hash);
  });

  it('verifies the right password', async () => {
    await expect(hasher.verify(hash, 'correct horse battery staple')).resolves.toBe(true);
  });

  it.each(['wrong', '', 'Correct horse battery staple', 'correct horse battery staple '])('refuses the wrong password %p', async (password) => {
    await expect(hasher.verify(hash, password)).resolves.toBe(false);
  });

  it('handles non-ASCII passwords', async () => {
    const unicode = await hasher.hash('pässwörd🔑');
    await expect(hasher.verify(unicode, 'pässwörd🔑')).resolves.toBe(true);
    await expect(hasher.verify(unicode, 'passwörd🔑')).resolves.toBe(false);
  });

  it('returns false for an unknown user (no hash), still doing the work', async () => {
    await expect(hasher.verify(undefined, 'correct horse battery staple')).resolves.toBe(false);
    await expect(hasher.verify(undefined, '')).resolves.toBe(false);
  });

  it.each(['not-a-hash', '', '$argon2id$v=19$m=19456,t=2,p=1$garbage', '$2b$10$abcdefghijklmnopqrstuv'])(
    'returns false instead of throwing for a garbage hash %p',
    async (garbage) => {
      await expect(hasher.verify(garbage, 'correct horse battery staple')).resolves.toBe(false);
    },
  );
});
