import { readFileSync } from 'node:fs';

/** The whole machine's CPU time counters since boot, in clock ticks (Linux's /proc/stat). */
export interface MachineCpuTimes {
  /** Time in processes: user, nice and system. */
  process: number;
  /** Interrupt and softirq time, which no process is charged for (on loopback, mostly moving packets). */
  interrupts: number;
  idle: number;
  /** Time the hypervisor ran other guests while this one wanted the CPU. */
  steal: number;
}

/** Shares of all cores' time over a window, in % (null where the machine does not tell). */
export interface MachineCpuFigures {
  busyPercent: number | null;
  stealPercent: number | null;
}

/** Reads the first line of /proc/stat: `cpu user nice system idle iowait irq softirq steal [guest guest_nice]`. */
export function parseProcStat(text: string): MachineCpuTimes | null {
  const fields = /^cpu\s+([^\n]*)/m.exec(text)?.[1]?.trim().split(/\s+/).map(Number);
  if (!fields || fields.length < 8 || fields.some((value) => !Number.isFinite(value))) return null;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields as [number, number, number, number, number, number, number, number];
  // guest and guest_nice are already counted in user and nice.
  return { process: user + nice + system, interrupts: irq + softirq, idle: idle + iowait, steal };
}

export function readMachineCpuTimes(path = '/proc/stat'): MachineCpuTimes | null {
  try {
    return parseProcStat(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

const percentOf = (part: number, whole: number): number => Math.round((part / whole) * 1000) / 10;

export function machineCpuBetween(before: MachineCpuTimes | null, after: MachineCpuTimes | null): MachineCpuFigures {
  if (!before || !after) return { busyPercent: null, stealPercent: null };
  const busy = after.process - before.process + (after.interrupts - before.interrupts);
  const steal = after.steal - before.steal;
  const total = busy + (after.idle - before.idle) + steal;
  if (total <= 0) return { busyPercent: null, stealPercent: null };
  return { busyPercent: percentOf(busy, total), stealPercent: percentOf(steal, total) };
}
