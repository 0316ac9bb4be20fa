export { RealtimeModule } from './realtime.module';
export { ParleyIoAdapter } from './parley-io.adapter';
export { createRedisAdapterFactory } from './redis-io.adapter';
export { SocketRegistry } from './socket-registry';
export { roomChannel, userChannel } from './socket-types';
export type { ParleyServer, ParleySocket, SocketData } from './socket-types';
