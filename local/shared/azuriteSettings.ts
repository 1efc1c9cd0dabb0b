// What makes a connection string name Azurite: one answer for the stack's service plan and emulator settings and
// the host's storage accounts.

const DEVELOPMENT_STORAGE = /^\s*UseDevelopmentStorage\s*=\s*true\s*;?\s*$/i;
const LOCAL_ENDPOINT = /(?:Blob|Queue|Table)Endpoint\s*=\s*https?:\/\/(?:localhost|127\.0\.0\.1|\[::1\])[:/]/i;

/** `UseDevelopmentStorage=true`: Azurite on its default ports. */
export function isDevelopmentStorage(value: string): boolean {
  return DEVELOPMENT_STORAGE.test(value);
}

/** A connection string naming Azurite: the emulator form, or an endpoint on this machine. */
export function namesAzurite(value: string): boolean {
  return isDevelopmentStorage(value) || LOCAL_ENDPOINT.test(value);
}
