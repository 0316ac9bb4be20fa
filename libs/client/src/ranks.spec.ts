import { assignableRoles, canModerate, canReadAudit } from './ranks';

describe('room ranks', () => {
  it('lets moderators and above act only on lower ranks (and on non-members, for bans)', () => {
    expect(canModerate('moderator', 'member')).toBe(true);
    expect(canModerate('moderator', 'moderator')).toBe(false);
    expect(canModerate('admin', 'moderator')).toBe(true);
    expect(canModerate('admin', 'owner')).toBe(false);
    expect(canModerate('owner', 'admin')).toBe(true);
    expect(canModerate('member', 'member')).toBe(false);
    expect(canModerate(null, 'member')).toBe(false);
    expect(canModerate('moderator', null)).toBe(true);
  });

  it('offers only roles below the actor, other than the target\'s own', () => {
    expect(assignableRoles('owner', 'member')).toEqual(['admin', 'moderator']);
    expect(assignableRoles('owner', 'admin')).toEqual(['moderator', 'member']);
    expect(assignableRoles('admin', 'member')).toEqual(['moderator']);
    expect(assignableRoles('admin', 'moderator')).toEqual(['member']);
    expect(assignableRoles('admin', 'admin')).toEqual([]);
    expect(assignableRoles('moderator', 'member')).toEqual([]);
  });

  it('opens the audit log to owners and admins', () => {
    expect(['owner', 'admin', 'moderator', 'member', null].map((role) => canReadAudit(role as never))).toEqual([true, true, false, false, false]);
  });
});
