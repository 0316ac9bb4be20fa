import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineCpuBetween, parseProcStat, readMachineCpuTimes } from './machine-cpu';

const stat = (user: number, idle: number, steal: number): string =>
  `cpu  ${user} 10 20 ${idle} 5 1 2 ${steal} 7 0\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 1 2 3\n`;

describe('the machine CPU figures', () => {
  it('reads process, interrupt, idle and steal time from the first line of /proc/stat, guest time not counted twice', () => {
    expect(parseProcStat(stat(100, 1000, 30))).toEqual({ process: 100 + 10 + 20, interrupts: 1 + 2, idle: 1000 + 5, steal: 30 });
  });

  it('gives no figures for text that is not /proc/stat', () => {
    expect(parseProcStat('')).toBeNull();
    expect(parseProcStat('cpu  1 2 3')).toBeNull();
    expect(parseProcStat('cpu  1 2 3 4 5 6 7 x')).toBeNull();
  });

  it('reports busy (processes and interrupts) and steal as shares of all cores over the window', () => {
    const before = parseProcStat(stat(100, 1000, 30));
    // +300 busy, +600 idle, +100 steal: 1000 ticks in all.
    const after = parseProcStat(stat(400, 1600, 130));
    expect(machineCpuBetween(before, after)).toEqual({ busyPercent: 30, stealPercent: 10 });
    const interrupted = { process: 400 + 10 + 20, interrupts: 3 + 97, idle: 1503 + 5, steal: 130 };
    // +300 in processes, +97 in interrupts, +503 idle, +100 steal: 1000 ticks.
    expect(machineCpuBetween(before, interrupted)).toEqual({ busyPercent: 39.7, stealPercent: 10 });
  });

  it('gives nulls without both readings or without time passing', () => {
    const reading = parseProcStat(stat(100, 1000, 30));
    expect(machineCpuBetween(null, reading)).toEqual({ busyPercent: null, stealPercent: null });
    expect(machineCpuBetween(reading, null)).toEqual({ busyPercent: null, stealPercent: null });
    expect(machineCpuBetween(reading, reading)).toEqual({ busyPercent: null, stealPercent: null });
  });

  it('reads a file, and gives null where there is none (not Linux)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-stat-'));
    try {
      writeFileSync(join(dir, 'stat'), stat(1, 2, 3));
      expect(readMachineCpuTimes(join(dir, 'stat'))).toEqual({ process: 1 + 10 + 20, interrupts: 1 + 2, idle: 2 + 5, steal: 3 });
      expect(readMachineCpuTimes(join(dir, 'missing'))).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
