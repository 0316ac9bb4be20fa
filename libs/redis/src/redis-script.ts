import type { Redis } from 'ioredis';

export type RedisScript = (...args: string[]) => Promise<unknown>;

/**
 * A Lua script run by EVALSHA: Redis keeps it cached (ioredis sends the text once more after a Redis
 * restart) instead of receiving and hashing the whole text with every EVAL. Defined once per connection
 * under `name`; the first `numberOfKeys` arguments are keys, the rest ARGV. Without `numberOfKeys`, the
 * first argument is the number of keys (scripts taking a variable number of keys).
 */
export function redisScript(redis: Redis, name: string, lua: string, numberOfKeys?: number): RedisScript {
  if (!(name in redis)) redis.defineCommand(name, { numberOfKeys, lua });
  const command = (redis as unknown as Record<string, RedisScript>)[name] as RedisScript;
  return (...args) => command.apply(redis, args);
}
