import { InMemoryPresenceStore } from './presence.store';

describe('InMemoryPresenceStore', () => {
  let store: InMemoryPresenceStore;

  beforeEach(() => {
    store = new InMemoryPresenceStore();
  });

  it('reports the first socket of a user in a room as a transition to online', async () => {
    await expect(store.add('r1', 'u1', 's1')).resolves.toBe(true);
    await expect(store.onlineIn('r1', ['u1'])).resolves.toEqual(new Set(['u1']));
  });

  it('does not report further sockets of the same user as transitions', async () => {
    await store.add('r1', 'u1', 's1');
    await expect(store.add('r1', 'u1', 's2')).resolves.toBe(false);
    await expect(store.add('r1', 'u1', 's3')).resolves.toBe(false);
  });

  it('treats re-adding the same socket as no transition', async () => {
    await store.add('r1', 'u1', 's1');
    await expect(store.add('r1', 'u1', 's1')).resolves.toBe(false);
    // One socket, however often added: one removal takes the user offline.
    await expect(store.remove('r1', 'u1', 's1')).resolves.toBe(true);
  });

  it('reports offline only when the last socket leaves', async () => {
    await store.add('r1', 'u1', 's1');
    await store.add('r1', 'u1', 's2');
    await expect(store.remove('r1', 'u1', 's1')).resolves.toBe(false);
    await expect(store.onlineIn('r1', ['u1'])).resolves.toEqual(new Set(['u1']));
    await expect(store.remove('r1', 'u1', 's2')).resolves.toBe(true);
    await expect(store.onlineIn('r1', ['u1'])).resolves.toEqual(new Set());
  });

  it('reports a transition again after the user went offline and came back', async () => {
    await store.add('r1', 'u1', 's1');
    await store.remove('r1', 'u1', 's1');
    await expect(store.add('r1', 'u1', 's2')).resolves.toBe(true);
  });

  it('counts sockets per room: the same user may be online in one room and offline in another', async () => {
    await expect(store.add('r1', 'u1', 's1')).resolves.toBe(true);
    await expect(store.add('r2', 'u1', 's1')).resolves.toBe(true);
    await expect(store.remove('r1', 'u1', 's1')).resolves.toBe(true);
    await expect(store.onlineIn('r1', ['u1'])).resolves.toEqual(new Set());
    await expect(store.onlineIn('r2', ['u1'])).resolves.toEqual(new Set(['u1']));
  });

  it('keeps users apart within a room', async () => {
    await store.add('r1', 'u1', 's1');
    await expect(store.add('r1', 'u2', 's2')).resolves.toBe(true);
    await expect(store.remove('r1', 'u1', 's1')).resolves.toBe(true);
    await expect(store.onlineIn('r1', ['u1', 'u2'])).resolves.toEqual(new Set(['u2']));
  });

  it.each([
    ['an unknown room', 'r9', 'u1', 's1'],
    ['an unknown user', 'r1', 'u9', 's1'],
    ['an unknown socket', 'r1', 'u1', 's9'],
    ['a socket of another user', 'r1', 'u2', 's1'],
  ])('ignores removing %s', async (_label, roomId, userId, socketId) => {
    await store.add('r1', 'u1', 's1');
    await expect(store.remove(roomId, userId, socketId)).resolves.toBe(false);
    await expect(store.onlineIn('r1', ['u1'])).resolves.toEqual(new Set(['u1']));
  });

  it('reports a second removal of the same socket as no transition', async () => {
    await store.add('r1', 'u1', 's1');
    await expect(store.remove('r1', 'u1', 's1')).resolves.toBe(true);
    await expect(store.remove('r1', 'u1', 's1')).resolves.toBe(false);
  });

  it('onlineIn returns only the asked users that are online', async () => {
    await store.add('r1', 'u1', 's1');
    await store.add('r1', 'u2', 's2');
    await store.add('r1', 'u3', 's3');
    await expect(store.onlineIn('r1', ['u1', 'u3', 'u4'])).resolves.toEqual(new Set(['u1', 'u3']));
    await expect(store.onlineIn('r1', [])).resolves.toEqual(new Set());
    await expect(store.onlineIn('nope', ['u1'])).resolves.toEqual(new Set());
  });
});
