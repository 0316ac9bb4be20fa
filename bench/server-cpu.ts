/**
 * Server-side CPU time from /proc: user + system time of the processes a system under test runs on, read
 * before and after a measured window. Hypervisor steal is not in these counters, so CPU per delivered
 * message barely moves with the neighbours' load, unlike latency (see docs/performance.md).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's time fields. */
const CLOCK_TICKS = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  ppid: number;
  /** utime + stime, ticks. */
  own: number;
  /** cutime + cstime: children that exited and were waited for, ticks. */
  children: number;
}

/** /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields are read after the last ')'. */
function parsePidStat(text: string): ProcStat | null {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name: state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17), here 0-based from state.
  const number = (field: number): number => Number(fields[field - 3]);
  const stat = { ppid: number(4), own: number(14) + number(15), children: number(16) + number(17) };
  return Object.values(stat).every(Number.isFinite) ? stat : null;
}

function readStat(pid: number): ProcStat | null {
  try {
    return parsePidStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null; // gone
  }
}

/** Every process whose parent is `pid` (PostgreSQL's backends and workers are the postmaster's children). */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (readStat(Number(entry))?.ppid === pid) found.push(Number(entry));
  }
  return found;
}

/**
 * A process tree's CPU time in ms: the root's own and its reaped children's, plus the live children's own.
 * A backend that exits during a window moves from the live sum to the root's reaped sum, so differences of
 * two readings stay right.
 */
function treeCpuMs(root: number): number {
  const stat = readStat(root);
  if (!stat) return 0;
  let ticks = stat.own + stat.children;
  for (const child of childrenOf(root)) ticks += readStat(child)?.own ?? 0;
  return (ticks * 1000) / CLOCK_TICKS;
}

function processCpuMs(pid: number): number {
  const ticks = readStat(pid)?.own ?? 0;
  return (ticks * 1000) / CLOCK_TICKS;
}

export interface ServerProcesses {
  instances: number[];
  /** The postmaster: PostgreSQL's CPU is its whole process tree's. */
  postgres?: number;
  redis?: number;
}

export interface ServerCpu {
  instances: number;
  postgres: number;
  redis: number;
}

export function readServerCpu(processes: ServerProcesses): ServerCpu {
  return {
    instances: processes.instances.reduce((sum, pid) => sum + processCpuMs(pid), 0),
    postgres: processes.postgres === undefined ? 0 : treeCpuMs(processes.postgres),
    redis: processes.redis === undefined ? 0 : processCpuMs(processes.redis),
  };
}

export function cpuBetween(before: ServerCpu, after: ServerCpu): ServerCpu {
  return { instances: after.instances - before.instances, postgres: after.postgres - before.postgres, redis: after.redis - before.redis };
}

/** The postmaster's pid, first line of postmaster.pid in the cluster's data folder. */
export function postmasterPid(clusterDir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(`${clusterDir}/postmaster.pid`, 'utf8').split('\n')[0] ?? '', 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
