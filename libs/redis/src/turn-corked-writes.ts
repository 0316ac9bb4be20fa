import type { Socket as NetSocket } from 'node:net';

const corked = new WeakSet<NetSocket>();
/** The sockets corked in this turn: one setImmediate uncorks them all (not one per socket). */
let toUncork = new Set<NetSocket>();

function uncorkAll(): void {
  const sockets = toUncork;
  toUncork = new Set();
  for (const socket of sockets) socket.uncork();
}

/**
 * Holds a socket's writes until the end of the event-loop turn (setImmediate) and sends them in one system
 * call. On a WebSocket, a send's ack and its own `message:new` are written in the same turn, as are several
 * messages of a batch to one socket; on the send path's Redis connection, a batch's publishes, its
 * notifications and the answers to other instances. A write system call is expensive (on loopback it also
 * runs the receiver's side of TCP), so merging them saves CPU on both ends. Order is unchanged (one stream);
 * nothing waits past the turn. Part of the transport fast paths (TRANSPORT_FAST_PATHS).
 */
export function corkWritesPerTurn(raw: NetSocket): void {
  if (corked.has(raw)) return;
  corked.add(raw);
  const write = raw.write.bind(raw) as (...args: unknown[]) => boolean;
  raw.write = (...args: unknown[]): boolean => {
    if (!toUncork.has(raw) && !raw.destroyed) {
      raw.cork();
      if (toUncork.size === 0) setImmediate(uncorkAll);
      toUncork.add(raw);
    }
    return write(...args);
  };
}

