import {
  decodeContent,
  encodeContent,
  isMeasured,
  newRunId,
  planRooms,
  planSchedule,
  roomOf,
  senderOf,
  slotOffsetMs,
  slotsDueBy,
} from './schedule';

describe('open-loop schedule', () => {
  it('plans warm-up and measured slots at fixed intervals', () => {
    const schedule = planSchedule(200, 5, 20);
    expect(schedule).toEqual({ rate: 200, intervalMs: 5, totalSlots: 5000, warmupSlots: 1000 });
    expect(slotOffsetMs(schedule, 0)).toBe(0);
    expect(slotOffsetMs(schedule, 1000)).toBe(5000);
    expect(isMeasured(schedule, 999)).toBe(false);
    expect(isMeasured(schedule, 1000)).toBe(true);
    expect(planSchedule(0.5, 0, 1)).toMatchObject({ totalSlots: 1, warmupSlots: 0 });
  });

  it('says which slots are due, whatever the caller was doing in between', () => {
    const schedule = planSchedule(3, 0, 10);
    expect(slotsDueBy(schedule, -1)).toBe(0);
    expect(slotsDueBy(schedule, 0)).toBe(1);
    expect(slotsDueBy(schedule, 333)).toBe(1);
    expect(slotsDueBy(schedule, 1000 / 3)).toBe(2);
    expect(slotsDueBy(schedule, 1000)).toBe(4);
    // A stalled loop catches up: everything due is sent at once, never skipped.
    expect(slotsDueBy(schedule, 5000)).toBe(16);
    expect(slotsDueBy(schedule, 60_000)).toBe(30);
  });

  it('spreads senders round-robin and rooms in blocks', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((slot) => senderOf(slot, 3))).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(planRooms(7, 3)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(planRooms(6, 3)).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(roomOf(5, 3)).toBe(1);
  });

  it('carries run id, slot and intended time in the content, padded to the size', () => {
    const content = encodeContent('abc123', 42, 1_700_000_000_123.456, 100);
    expect(content).toHaveLength(100);
    expect(content.startsWith('plt1 abc123 42 1700000000123.456 ...')).toBe(true);
    expect(decodeContent(content, 'abc123')).toEqual({ slot: 42, intendedEpochMs: 1_700_000_000_123.456 });
    // The server trims content: a trailing space is not needed to parse it.
    const header = encodeContent('abc123', 7, 12.5, 1);
    expect(header).toBe('plt1 abc123 7 12.500');
    expect(decodeContent(header, 'abc123')).toEqual({ slot: 7, intendedEpochMs: 12.5 });
    expect(encodeContent('abc123', 7, 12.5, header.length + 1)).toHaveLength(header.length + 1);
  });

  it('ignores other runs and other messages', () => {
    expect(decodeContent(encodeContent('aaaa', 1, 1, 50), 'bbbb')).toBeNull();
    expect(decodeContent('hello world', 'aaaa')).toBeNull();
    expect(decodeContent('plt1 aaaa x 1', 'aaaa')).toBeNull();
  });

  it('makes short random run ids', () => {
    expect(newRunId(() => 0)).toBe('00000000');
    expect(newRunId()).toMatch(/^[a-z0-9]{8}$/);
  });
});
