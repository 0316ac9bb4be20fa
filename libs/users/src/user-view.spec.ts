import { userView } from './user-view';

describe('userView', () => {
  const row = { id: 'u1', username: 'ann', displayName: 'Ann', createdAt: new Date('2026-01-01T00:00:00.000Z'), deletedAt: null };

  it('shows an active account as it is, without a deleted flag', () => {
    expect(userView(row)).toEqual({ id: 'u1', username: 'ann', displayName: 'Ann', createdAt: '2026-01-01T00:00:00.000Z' });
  });

  it('shows a deleted account by id only, flagged', () => {
    expect(userView({ ...row, deletedAt: new Date() })).toEqual({
      id: 'u1',
      username: 'deleted',
      displayName: 'Deleted user',
      createdAt: '2026-01-01T00:00:00.000Z',
      deleted: true,
    });
  });
});
