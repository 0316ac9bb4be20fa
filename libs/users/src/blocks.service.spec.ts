import { DomainEvents } from '@parley/common';
import type { AppConfig } from '@parley/config';
import type { User } from '@parley/contract';
import { LocalChannelBus } from '@parley/redis';
import { fake, rejection } from '../../../test/support/unit';
import type { BlocksRepository } from './blocks.repository';
import { Blocks } from './blocks.service';
import type { UsersService } from './users.service';

function makeBlocks() {
  const stored = new Set<string>(); // "blocker|blocked"
  const repository = {
    insert: jest.fn((blocker: string, blocked: string) => Promise.resolve(!stored.has(`${blocker}|${blocked}`) && !!stored.add(`${blocker}|${blocked}`))),
    delete: jest.fn((blocker: string, blocked: string) => Promise.resolve(stored.delete(`${blocker}|${blocked}`))),
    blockersOf: jest.fn((blocked: string) => Promise.resolve([...stored].filter((key) => key.endsWith(`|${blocked}`)).map((key) => key.split('|')[0]!))),
    blockersAmong: jest.fn((blocked: string, candidates: string[]) =>
      Promise.resolve(candidates.filter((candidate) => stored.has(`${candidate}|${blocked}`))),
    ),
  };
  const users = {
    findById: jest.fn((id: string): Promise<User | null> =>
      Promise.resolve(id === 'ghost' ? null : { id, username: id, displayName: id, createdAt: '', ...(id === 'gone' ? { deleted: true as const } : {}) }),
    ),
  };
  const bus = new LocalChannelBus();
  const events = new DomainEvents();
  const emitted: string[] = [];
  events.on('user.blocked', ({ blockerId, blockedId }) => void emitted.push(`blocked ${blockerId} ${blockedId}`));
  events.on('user.unblocked', ({ blockerId, blockedId }) => void emitted.push(`unblocked ${blockerId} ${blockedId}`));
  const blocks = new Blocks(fake<BlocksRepository>(repository), fake<UsersService>(users), bus, events, fake<AppConfig>({ redisPrefix: 'p' }));
  return { blocks, repository, bus, emitted, stored };
}

describe('Blocks', () => {
  it('refuses oneself (validation_failed) and unknown or deleted users (not_found)', async () => {
    const { blocks, repository } = makeBlocks();
    expect((await rejection(blocks.block('me', 'me'))).code).toBe('validation_failed');
    expect((await rejection(blocks.unblock('me', 'me'))).code).toBe('validation_failed');
    expect((await rejection(blocks.block('me', 'ghost'))).code).toBe('not_found');
    expect((await rejection(blocks.block('me', 'gone'))).code).toBe('not_found');
    expect(repository.insert).not.toHaveBeenCalled();
  });

  it('announces a block and an unblock once each, however often repeated', async () => {
    const { blocks, emitted } = makeBlocks();
    await blocks.block('me', 'troll');
    await blocks.block('me', 'troll');
    await blocks.unblock('me', 'troll');
    await blocks.unblock('me', 'troll');
    expect(emitted).toEqual(['blocked me troll', 'unblocked me troll']);
  });

  it('answers for a set of users at once, and for one pair', async () => {
    const { blocks } = makeBlocks();
    await blocks.block('a', 'x');
    await blocks.block('c', 'x');
    expect(await blocks.blockersAmong('x', ['a', 'b', 'c', 'a'])).toEqual(new Set(['a', 'c']));
    expect(await blocks.hasBlocked('a', 'x')).toBe(true);
    expect(await blocks.hasBlocked('x', 'a')).toBe(false);
  });

  it('caches blockersOf, and drops the entry when a block changes, here or on another instance (the bus)', async () => {
    const { blocks, repository, bus, stored } = makeBlocks();
    await blocks.onModuleInit();
    expect(await blocks.blockersOf('x')).toEqual(new Set());
    expect(await blocks.blockersOf('x')).toEqual(new Set());
    expect(repository.blockersOf).toHaveBeenCalledTimes(1);

    await blocks.block('a', 'x');
    expect(await blocks.blockersOf('x')).toEqual(new Set(['a']));

    // Another instance's block: the database changed, the announcement drops the cached entry.
    stored.add('b|x');
    expect(await blocks.blockersOf('x')).toEqual(new Set(['a']));
    await bus.publish(['p:blocks:changed'], 'x');
    expect(await blocks.blockersOf('x')).toEqual(new Set(['a', 'b']));
  });

  it('lets cached entries expire without an announcement', async () => {
    const { blocks, stored } = makeBlocks();
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    try {
      expect(await blocks.blockersOf('x')).toEqual(new Set());
      stored.add('b|x');
      now.mockReturnValue(1_000_000 + 29_000);
      expect(await blocks.blockersOf('x')).toEqual(new Set());
      now.mockReturnValue(1_000_000 + 31_000);
      expect(await blocks.blockersOf('x')).toEqual(new Set(['b']));
    } finally {
      now.mockRestore();
    }
  });
});
