import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { AppConfig } from '@parley/config';
import type { Server, ServerOptions } from 'socket.io';
import { usePreEncodedJson } from './pre-encoded-json';
import { corkWebSocketWrites } from './turn-corked-writes';

/**
 * Socket.IO server options for every Parley instance: payload limit, CORS, both transports, WebSocket
 * writes merged per event-loop turn (turn-corked-writes.ts) and pre-encoded payloads (pre-encoded-json.ts).
 * In a cluster, `adapterFactory` installs the Redis adapter (see redis-io.adapter.ts).
 */
export class ParleyIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
    private readonly adapterFactory?: ServerOptions['adapter'],
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    const server = super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: this.config.socketMaxPayloadBytes,
      transports: ['polling', 'websocket'],
      cors: { origin: this.config.corsOrigins, credentials: true },
      pingInterval: 20_000,
      pingTimeout: 20_000,
      ...(this.adapterFactory ? { adapter: this.adapterFactory } : {}),
    }) as Server;
    corkWebSocketWrites(server);
    usePreEncodedJson(server);
    return server;
  }
}
