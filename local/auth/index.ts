export { createEasyAuth, SESSION_COOKIE, TOKEN_HEADER, type EasyAuth, type EasyAuthOptions } from './easyAuth.js';
export { loadOrCreateAuthSecret, revocationsFile } from './secret.js';
export { openRevocations, type Revocations } from './revocations.js';
export { principalHeaders, type SignedInUser } from './principal.js';
export {
  parseUnauthenticatedAction,
  UNAUTHENTICATED_ACTION_SETTING,
  type UnauthenticatedAction,
} from './unauthenticatedAction.js';
