export { createEasyAuth, SESSION_COOKIE, TOKEN_HEADER, type EasyAuth, type EasyAuthOptions } from './easyAuth.js';
export { loadOrCreateAuthSecret } from './secret.js';
export { principalHeaders, type SignedInUser } from './principal.js';
