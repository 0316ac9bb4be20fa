import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMOJI_SHORTCODES, normalizeEmoji } from './emoji';

describe('normalizeEmoji', () => {
  it.each([
    ['👍', '👍'],
    ['👍🏽', '👍🏽'],
    ['❤️', '❤️'],
    ['👩‍💻', '👩‍💻'],
    ['🇫🇷', '🇫🇷'],
    ['1️⃣', '1️⃣'],
    [':thumbsup:', '👍'],
    [':+1:', '👍'],
    [':tada:', '🎉'],
  ])('accepts %s as %s', (input, stored) => {
    expect(normalizeEmoji(input)).toBe(stored);
  });

  it.each([
    ['', 'empty'],
    ['a', 'a letter'],
    ['1', 'a digit alone'],
    ['👍👍', 'two emoji'],
    ['👍 ', 'an emoji and a space'],
    [':unknown_code:', 'a shortcode not in the list'],
    [':THUMBSUP:', 'a shortcode in the wrong case'],
    ['<script>', 'markup'],
    ['\u200D', 'a lone joiner'],
    ['🏽', 'a lone skin tone'],
    ['x'.repeat(100), 'a long string'],
  ])('refuses %j (%s)', (input) => {
    expect(normalizeEmoji(input)).toBeNull();
  });
});

describe('the shortcode list in the contract', () => {
  it('names exactly the shortcodes the server accepts', () => {
    const contract = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'api-contract.md'), 'utf8');
    const bullet = contract.slice(contract.indexOf('- Reactions:'), contract.indexOf('\n- ', contract.indexOf('- Reactions:') + 1));
    const documented = [...bullet.matchAll(/`:([a-z0-9_+-]+):`/g)].map((match) => match[1]).sort();
    expect(documented).toEqual(Object.keys(EMOJI_SHORTCODES).sort());
  });
});
