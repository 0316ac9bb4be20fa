/**
 * A typed stand-in for a dependency that a unit spec injects: the members it gives are checked against
 * the real type (a renamed method or a changed signature fails typecheck), the members it leaves out are
 * the ones the code under test must not call. Instead of `as never` or `as unknown as T`.
 */
export function fake<T extends object>(members: Partial<T>): T {
  return members as T;
}
