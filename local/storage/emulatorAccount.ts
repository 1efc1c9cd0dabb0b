/** The fixed account and key every Azure storage emulator accepts (published by Microsoft, not a secret). */
export const DEV_ACCOUNT_NAME = 'devstoreaccount1';
export const DEV_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** The emulator account's path-style URL on an Azurite service at host:port. */
export function emulatorServiceUrl(host: string, port: number): string {
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return `http://${urlHost}:${port}/${DEV_ACCOUNT_NAME}`;
}

/** How Azurite's processes report restarts and giving up. */
export type AzuriteLog = (message: string, level: 'information' | 'warning' | 'error') => void;
