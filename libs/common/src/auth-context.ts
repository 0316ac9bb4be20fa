import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';

/** The authenticated caller, as established from a verified access token. */
export interface AuthUser {
  id: string;
  username: string;
  /** The session (refresh-token family) the token belongs to: revoking it ends the token's sockets and streams. */
  sessionId: string;
  /** Epoch ms when the access token expires. */
  expiresAt: number;
}

export const IS_PUBLIC_ROUTE = 'parley:public';

/** Opts a route out of the global access-token guard. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_ROUTE, true);

/** Injects the authenticated caller (set by the auth guard). */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthUser => {
  const request = context.switchToHttp().getRequest<{ user: AuthUser }>();
  return request.user;
});
