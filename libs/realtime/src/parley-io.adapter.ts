import { Logger, type INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { encodeOnce, transportFastPaths } from '@parley/common';
import type { AppConfig } from '@parley/config';
import type { Server, ServerOptions } from 'socket.io';
import { checkEnvelopeSplicing } from './ordered-delivery';
import { checkPacketSplicing, usePreEncodedJson } from './pre-encoded-json';
import { corkWebSocketWrites } from './turn-corked-writes';

const logger = new Logger('Transport');

/**
 * Whether the transport fast paths may run: TRANSPORT_FAST_PATHS=on, and every splice writes what the
 * libraries would (checked on sample packets and envelopes). Otherwise they are all off, with a warning.
 */
function enableTransportFastPaths(wanted: boolean): boolean {
  if (!wanted) {
    transportFastPaths.disable();
    return false;
  }
  const problem = checkPacketSplicing(encodeOnce) ?? checkEnvelopeSplicing();
  if (problem !== null) {
    logger.warn(`Transport fast paths turned off: ${problem} (socket.io or its adapter changed; see package.json's pins)`);
    transportFastPaths.disable();
    return false;
  }
  return transportFastPaths.enabled;
}

/**
 * Socket.IO server options for every Parley instance: payload limit, CORS, both transports, and, in a
 * cluster, the Redis adapter (redis-io.adapter.ts). With the transport fast paths on, WebSocket writes are
 * merged per event-loop turn (turn-corked-writes.ts) and pre-encoded payloads are spliced into packets
 * (pre-encoded-json.ts) and adapter envelopes (ordered-delivery.ts).
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
    if (enableTransportFastPaths(this.config.transportFastPaths)) {
      corkWebSocketWrites(server);
      usePreEncodedJson(server);
    }
    return server;
  }
}
