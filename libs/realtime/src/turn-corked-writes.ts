import { corkWritesPerTurn } from '@parley/redis';
import type { Socket as NetSocket } from 'node:net';
import type { Server } from 'socket.io';

/** The parts of engine.io's objects this relies on (engine.io does not type its transports' sockets). */
interface EngineConnection {
  transport: { name: string; socket?: { _socket?: NetSocket } };
  on(event: 'upgrade', listener: () => void): void;
}

/** Applies corkWritesPerTurn to every WebSocket connection of the server (also after a polling upgrade). */
export function corkWebSocketWrites(server: Server): void {
  const apply = (connection: EngineConnection): void => {
    const raw = connection.transport.name === 'websocket' ? connection.transport.socket?._socket : undefined;
    if (raw) corkWritesPerTurn(raw);
  };
  server.engine.on('connection', (connection: EngineConnection) => {
    apply(connection);
    connection.on('upgrade', () => apply(connection));
  });
}
