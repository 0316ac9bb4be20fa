import { parseByteRange } from './byte-range';

describe('parseByteRange', () => {
  it.each([
    ['bytes=0-99', 1000, { start: 0, end: 99 }],
    ['bytes=900-', 1000, { start: 900, end: 999 }],
    ['bytes=900-5000', 1000, { start: 900, end: 999 }],
    ['bytes=-100', 1000, { start: 900, end: 999 }],
    ['bytes=-5000', 1000, { start: 0, end: 999 }],
    [' bytes = 10 - 20 ', 1000, { start: 10, end: 20 }],
  ])('%j of %d bytes → %j', (header, size, expected) => {
    expect(parseByteRange(header, size)).toEqual(expected);
  });

  it.each([
    [undefined, 1000],
    ['bytes=1000-', 1000],
    ['bytes=20-10', 1000],
    ['bytes=-0', 1000],
    ['bytes=-', 1000],
    ['bytes=0-1,5-6', 1000],
    ['items=0-1', 1000],
    ['bytes=0-1', 0],
    ['bytes=abc', 1000],
  ])('%j of %d bytes → the whole representation', (header, size) => {
    expect(parseByteRange(header, size)).toBeNull();
  });
});
