export { RedisConnections, type RedisRole } from './redis-connections';
export { RedisModule } from './redis.module';
export { KeyedQueue } from './keyed-queue';
export { redisScript, type RedisScript } from './redis-script';
export { RedisPublisher } from './redis-publisher';
export { TurnCoalescer } from './turn-coalescer';
