import type { Redis } from 'ioredis';
import { redisScript, type RedisScript } from './redis-script';
import { TurnCoalescer } from './turn-coalescer';

interface Publication {
  channels: readonly string[];
  payload: string;
}

/**
 * ARGV holds groups, each `n, channel 1 … channel n, payload`: every payload is published on its channels,
 * in order. Channels are not keys, so this is fine for any topology.
 */
const PUBLISH_GROUPS = `
local i = 1
local published = 0
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  local payload = ARGV[i + n + 1]
  for j = i + 1, i + n do redis.call('PUBLISH', ARGV[j], payload) end
  published = published + n
  i = i + n + 2
end
return published`;

/**
 * The instance's publishes, in the order they were made. Those made in one event-loop turn (a batch of
 * messages: for each its cluster-bus event and its notification to the room's members) go out as one
 * command, a script that publishes them all; a lone publish on one channel is a plain PUBLISH. Each payload
 * is serialised once, whatever the number of its channels.
 */
export class RedisPublisher {
  private readonly publishGroups: RedisScript;
  private readonly coalescer: TurnCoalescer<Publication, void>;

  constructor(private readonly redis: Redis) {
    this.publishGroups = redisScript(redis, 'parleyPublishGroups', PUBLISH_GROUPS, 0);
    this.coalescer = new TurnCoalescer((publications) => this.send(publications));
  }

  /** Publishes `payload` on every channel; rejects when Redis did not take it. */
  publish(channels: readonly string[], payload: string): Promise<void> {
    if (channels.length === 0) return Promise.resolve();
    return this.coalescer.submit({ channels, payload });
  }

  private async send(publications: readonly Publication[]): Promise<void[]> {
    const [only] = publications;
    if (publications.length === 1 && only?.channels.length === 1) {
      await this.redis.publish(only.channels[0] as string, only.payload);
    } else {
      const args: string[] = [];
      for (const { channels, payload } of publications) args.push(String(channels.length), ...channels, payload);
      await this.publishGroups(...args);
    }
    return publications.map(() => undefined);
  }
}
