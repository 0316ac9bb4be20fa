import { types } from 'pg';
import { TimestampTextToIso } from './messages.repository';
import { sendPoolTypeParser } from './send-pool';

describe('TimestampTextToIso', () => {
  const pgParse = types.getTypeParser(1184, 'text') as (text: string) => Date;

  it.each([
    '2026-11-26 08:50:12.123456+00',
    '2026-11-26 08:50:12.1+00',
    '2026-11-26 08:50:12+00',
    '2026-11-26 08:50:12.999999+05:30',
    '2026-01-01 00:00:00.0005-03',
  ])('gives what toISOString of pg’s own parse gives for %s', (text) => {
    expect(new TimestampTextToIso().convert(text)).toBe(pgParse(text).toISOString());
  });

  it('answers a repeated text the same, and stays right after its cache fills and empties', () => {
    const toIso = new TimestampTextToIso(2);
    const texts = ['2026-11-26 08:50:12.1+00', '2026-11-26 08:50:13.2+00', '2026-11-26 08:50:14.3+00'];
    const first = texts.map(toIso.convert);
    expect(texts.map(toIso.convert)).toEqual(first);
    expect(first).toEqual(['2026-11-26T08:50:12.100Z', '2026-11-26T08:50:13.200Z', '2026-11-26T08:50:14.300Z']);
  });
});

describe('sendPoolTypeParser', () => {
  it('keeps timestamptz as text and parses every other type as the other pools do', () => {
    expect(sendPoolTypeParser(1184, 'text')('2026-11-26 08:50:12.1+00')).toBe('2026-11-26 08:50:12.1+00');
    expect(sendPoolTypeParser(20, 'text')('42')).toBe(42); // int8: a number, as in every Parley pool
    expect(sendPoolTypeParser(16, 'text')('t')).toBe(true);
  });
});
