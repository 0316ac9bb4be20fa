import type { SystemNotice } from '@parley/common';
import type { User } from '@parley/contract';
import { systemText } from './system-text';

const user = (displayName: string): User => ({ id: displayName, username: displayName.toLowerCase(), displayName, createdAt: '2026-12-03T00:00:00.000Z' });
const alice = user('Alice');
const bob = user('Bob');
const notice = (event: SystemNotice['event'], target?: User): SystemNotice => ({ roomId: 'r', actor: alice, target, event });

describe('systemText', () => {
  it.each([
    [notice({ kind: 'member_joined', actorId: 'Alice' }), 'Alice joined'],
    [notice({ kind: 'member_added', actorId: 'Alice', targetId: 'Bob' }, bob), 'Alice added Bob'],
    [notice({ kind: 'member_left', actorId: 'Alice' }), 'Alice left'],
    [notice({ kind: 'member_kicked', actorId: 'Alice', targetId: 'Bob' }, bob), 'Alice removed Bob'],
    [notice({ kind: 'member_banned', actorId: 'Alice', targetId: 'Bob' }, bob), 'Alice banned Bob'],
    [notice({ kind: 'role_changed', actorId: 'Alice', targetId: 'Bob', role: 'moderator', from: 'member', to: 'moderator' }, bob), 'Alice made Bob a moderator'],
    [notice({ kind: 'role_changed', actorId: 'Alice', targetId: 'Bob', role: 'admin', from: 'member', to: 'admin' }, bob), 'Alice made Bob an admin'],
    [notice({ kind: 'role_changed', actorId: 'Alice', targetId: 'Bob', role: 'owner', from: 'admin', to: 'owner' }, bob), 'Bob is now the owner'],
    [notice({ kind: 'room_renamed', actorId: 'Alice', from: 'old', to: 'new' }), 'Alice renamed the room to “new”'],
    [notice({ kind: 'description_changed', actorId: 'Alice', from: '', to: 'About us' }), 'Alice changed the description'],
    [notice({ kind: 'description_changed', actorId: 'Alice', from: 'About us', to: '' }), 'Alice removed the description'],
  ])('%#: %s', (input, text) => {
    expect(systemText(input)).toBe(text);
  });
});
