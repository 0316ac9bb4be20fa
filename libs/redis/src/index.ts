export { RedisConnections, type RedisRole } from './redis-connections';
export { RedisModule } from './redis.module';
export { ChannelBus, LocalChannelBus, RedisChannelBus, type ChannelHandler } from './channel-bus';
export { KeyedQueue } from './keyed-queue';
export { redisScript, type RedisScript } from './redis-script';
export { TurnCoalescer } from './turn-coalescer';
export { corkWritesPerTurn } from './turn-corked-writes';
