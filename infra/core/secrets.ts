/**
 * Hides anything that looks like a credential before it reaches the terminal. The deployment never asks Azure
 * for a key, but `az` answers (and error messages) can still carry one, e.g. the connection string that
 * `functionapp create` writes before the deployment replaces it with identity-based settings.
 */
const KEY_VALUE =
  /\b(AccountKey|SharedAccessKey|SharedAccessSignature|AccessKey|InstrumentationKey|sig|password|client_secret|secret)=([^;&\s"']+)/gi;
const JSON_SECRET =
  /"(key\d?|primaryKey|secondaryKey|primaryConnectionString|secondaryConnectionString|connectionString|password|clientSecret|secret|secretText)"(\s*:\s*)"[^"]*"/gi;
const JWT = /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
/** Azure account and access keys are base64 with padding: 44 or 88 characters ending in `=`. */
const BASE64_KEY = /[A-Za-z0-9+/]{40,}={1,2}/g;

export const MASK = '***';

export function maskSecrets(text: string): string {
  return text
    .replace(KEY_VALUE, (_match, name: string) => `${name}=${MASK}`)
    .replace(JSON_SECRET, (_match, name: string, colon: string) => `"${name}"${colon}"${MASK}"`)
    .replace(JWT, MASK)
    .replace(BASE64_KEY, MASK);
}
