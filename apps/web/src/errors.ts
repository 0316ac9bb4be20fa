import { ParleyError } from '@parley/client';

/** A sentence a person can act on, for any error the SDK (or anything else) throws. */
export function describeError(error: unknown, context?: string): string {
  const prefix = context ? `${context}: ` : '';
  if (!(error instanceof ParleyError)) {
    return `${prefix}Something went wrong (${error instanceof Error ? error.message : String(error)}).`;
  }
  switch (error.code) {
    case 'network':
      return `${prefix}Cannot reach the server. Check your connection; Parley keeps retrying.`;
    case 'invalid_credentials':
      return 'Wrong username or password.';
    case 'username_taken':
      return 'That username is already taken. Pick another one.';
    case 'room_name_taken':
      return `${prefix}A room with that name already exists. Pick another name.`;
    case 'unauthorized':
      return 'Your session has ended. Please sign in again.';
    case 'forbidden':
      return `${prefix}You are not allowed to do that${error.message ? ` (${error.message})` : ''}.`;
    case 'not_found':
      return `${prefix}It does not exist any more, or you no longer have access to it.`;
    case 'rate_limited':
      return `${prefix}You are going too fast. Wait a moment and try again.`;
    case 'payload_too_large':
      return `${prefix}That is too large to send.`;
    case 'validation_failed':
      return `${prefix}${error.message || 'The input is not valid.'}`;
    case 'conflict':
      return `${prefix}${error.message || 'That conflicts with a change made elsewhere.'}`;
    case 'unavailable':
      return `${prefix}The server is temporarily unavailable. Try again in a moment.`;
    case 'internal':
      return `${prefix}The server ran into a problem. Try again.`;
  }
}
