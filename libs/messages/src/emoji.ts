/**
 * Reaction emoji: one grapheme that is an emoji (a pictograph, a flag, a keycap, with any skin tone, variation
 * selector or ZWJ sequence), or a `:shortcode:` from a fixed list, stored as its emoji so that `:thumbsup:` and 👍
 * are the same reaction.
 */
export const EMOJI_SHORTCODES: Readonly<Record<string, string>> = {
  '+1': '👍',
  thumbsup: '👍',
  '-1': '👎',
  thumbsdown: '👎',
  heart: '❤️',
  joy: '😂',
  smile: '😄',
  laughing: '😆',
  wink: '😉',
  thinking: '🤔',
  cry: '😢',
  open_mouth: '😮',
  angry: '😠',
  tada: '🎉',
  eyes: '👀',
  fire: '🔥',
  rocket: '🚀',
  clap: '👏',
  pray: '🙏',
  wave: '👋',
  ok_hand: '👌',
  muscle: '💪',
  hundred: '💯',
  white_check_mark: '✅',
  x: '❌',
  warning: '⚠️',
  star: '⭐',
  sparkles: '✨',
  coffee: '☕',
  bug: '🐛',
};

export const MAX_EMOJI_LENGTH = 64;

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const SHORTCODE = /^:([a-z0-9_+-]{1,32}):$/;
/** A pictograph, two regional indicators (a flag), or a keycap; the rest of the grapheme may only modify it. */
const EMOJI_BASE = /^(?:\p{Extended_Pictographic}|\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3)/u;
const EMOJI_PARTS = /^(?:\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Regional_Indicator}|\u200D|\uFE0F|\u20E3|[#*0-9]|[\u{E0020}-\u{E007F}])+$/u;

/** The emoji to store for `input`, or null when it is not one emoji nor a known shortcode. */
export function normalizeEmoji(input: string): string | null {
  if (input.length === 0 || input.length > MAX_EMOJI_LENGTH) return null;
  const shortcode = SHORTCODE.exec(input);
  if (shortcode) return EMOJI_SHORTCODES[shortcode[1]!] ?? null;
  const graphemes = [...segmenter.segment(input)];
  if (graphemes.length !== 1) return null;
  return EMOJI_BASE.test(input) && EMOJI_PARTS.test(input) ? input : null;
}
