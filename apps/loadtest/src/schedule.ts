/**
 * The open-loop schedule and the message format (pure).
 *
 * Message n is due at `start + n / rate`, whatever happened to the previous ones, and is sent by client
 * `n mod clients`. Latencies are measured from that intended time, so a sender (or server) that stalls shows
 * up as latency instead of silently lowering the load: no coordinated omission.
 */

export interface Schedule {
  /** Messages per second, all senders together. */
  rate: number;
  intervalMs: number;
  /** Slots of the whole run (warm-up + measured). */
  totalSlots: number;
  /** The first `warmupSlots` slots are warm-up: sent, but kept out of the histograms and counters. */
  warmupSlots: number;
}

export function planSchedule(rate: number, warmupSeconds: number, durationSeconds: number): Schedule {
  const warmupSlots = Math.round(warmupSeconds * rate);
  const measuredSlots = Math.max(1, Math.round(durationSeconds * rate));
  return { rate, intervalMs: 1000 / rate, totalSlots: warmupSlots + measuredSlots, warmupSlots };
}

/** Milliseconds from the start of the run at which the slot is due. */
export function slotOffsetMs(schedule: Schedule, slot: number): number {
  return slot * schedule.intervalMs;
}

/** How many slots are due `elapsedMs` after the start (the index one past the last due slot). */
export function slotsDueBy(schedule: Schedule, elapsedMs: number): number {
  if (elapsedMs < 0) return 0;
  // A small epsilon keeps floating-point products such as 3 × (1000 / 3) on the right side of the boundary.
  return Math.min(schedule.totalSlots, Math.floor(elapsedMs / schedule.intervalMs + 1e-9) + 1);
}

export function isMeasured(schedule: Schedule, slot: number): boolean {
  return slot >= schedule.warmupSlots;
}

/** Round-robin: consecutive slots go to consecutive clients. */
export function senderOf(slot: number, clients: number): number {
  return slot % clients;
}

/** Client indexes per room: room j holds clients j·size … j·size + size − 1 (the last room may be smaller). */
export function planRooms(clients: number, roomSize: number): number[][] {
  const rooms: number[][] = [];
  for (let first = 0; first < clients; first += roomSize) {
    rooms.push(Array.from({ length: Math.min(roomSize, clients - first) }, (_, k) => first + k));
  }
  return rooms;
}

export function roomOf(client: number, roomSize: number): number {
  return Math.floor(client / roomSize);
}

const MARK = 'plt1';
const PATTERN = /^plt1 ([A-Za-z0-9]+) (\d+) (\d+(?:\.\d+)?)(?: |$)/;

/**
 * `plt1 <runId> <slot> <intended epoch ms> ` padded with dots to `size` characters. The header (about 40
 * characters) is never cut, so contents shorter than it are sent at the header's length.
 */
export function encodeContent(runId: string, slot: number, intendedEpochMs: number, size: number): string {
  const header = `${MARK} ${runId} ${slot} ${intendedEpochMs.toFixed(3)}`;
  if (header.length >= size) return header;
  return `${header} ${'.'.repeat(size - header.length - 1)}`.slice(0, size);
}

/** The slot and intended time of a message of this run; null for anything else. */
export function decodeContent(content: string, runId: string): { slot: number; intendedEpochMs: number } | null {
  const match = PATTERN.exec(content);
  if (!match || match[1] !== runId) return null;
  return { slot: Number(match[2]), intendedEpochMs: Number(match[3]) };
}

/** A short random id that tells this run's messages from any other's. */
export function newRunId(random: () => number = Math.random): string {
  let id = '';
  for (let i = 0; i < 8; i++) id += Math.floor(random() * 36).toString(36);
  return id;
}
