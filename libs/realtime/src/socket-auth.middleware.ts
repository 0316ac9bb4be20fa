import type { Sessions, TokenService } from '@parley/auth';
import type { UsersService } from '@parley/users';
import type { ParleySocket } from './socket-types';

type Next = (error?: Error) => void;

/**
 * Authenticates the Socket.IO handshake (NestJS guards do not run there). The token comes from
 * `auth.token` or `?token=`; a missing, expired or invalid token, or one whose account is not active or whose
 * session was revoked, is `connect_error` with message `unauthorized`. While the instance shuts down, or when
 * the database cannot be reached, it is `unavailable`.
 */
export function socketAuthMiddleware(tokens: TokenService, sessions: Sessions, users: UsersService, isAccepting: () => boolean) {
  return (socket: ParleySocket, next: Next): void => {
    if (!isAccepting()) {
      next(new Error('unavailable'));
      return;
    }
    const auth = socket.handshake.auth as Record<string, unknown> | undefined;
    const query = socket.handshake.query as Record<string, unknown>;
    const authenticate = async (): Promise<'unauthorized' | undefined> => {
      let authUser;
      try {
        authUser = await tokens.verifyAccessToken(auth?.token ?? query.token);
      } catch {
        return 'unauthorized';
      }
      if (!(await sessions.isLive(authUser))) return 'unauthorized';
      const user = await users.findById(authUser.id);
      if (!user) return 'unauthorized';
      socket.data.auth = authUser;
      socket.data.user = user;
      socket.data.subscriptions = new Set();
      return undefined;
    };
    authenticate().then(
      (refusal) => next(refusal ? new Error(refusal) : undefined),
      () => next(new Error('unavailable')),
    );
  };
}
