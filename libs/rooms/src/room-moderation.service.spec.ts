import type { RoomRole } from '@parley/contract';
import { outranks } from './room-moderation.service';

describe('outranks (who may moderate whom)', () => {
  const roles: RoomRole[] = ['member', 'moderator', 'admin', 'owner'];

  it('lets each role act exactly on the roles below it, and on non-members', () => {
    const allowed = roles.map((actor) => [actor, roles.filter((target) => outranks(actor, target)), outranks(actor, null)]);
    expect(allowed).toEqual([
      ['member', [], true],
      ['moderator', ['member'], true],
      ['admin', ['member', 'moderator'], true],
      ['owner', ['member', 'moderator', 'admin'], true],
    ]);
  });

  it('gives nobody power over the owner, and a non-member power over nobody', () => {
    expect(roles.some((actor) => outranks(actor, 'owner'))).toBe(false);
    expect(roles.some((target) => outranks(null, target))).toBe(false);
  });
});
