/**
 * Where the API lives and how users sign in. Locally the stack serves this page next to the API and there is no
 * config.json; a deployment writes one next to index.html with the Function App's URL and provider `aad`.
 */
export type ClientConfig = { apiBaseUrl: string; authProvider: string };

export async function loadConfig(): Promise<ClientConfig> {
  const defaults: ClientConfig = { apiBaseUrl: '', authProvider: 'dev' };
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (!response.ok) return defaults;
    const value = (await response.json()) as Partial<ClientConfig>;
    return {
      apiBaseUrl: typeof value.apiBaseUrl === 'string' ? value.apiBaseUrl.replace(/\/+$/, '') : defaults.apiBaseUrl,
      authProvider: typeof value.authProvider === 'string' ? value.authProvider : defaults.authProvider,
    };
  } catch {
    return defaults;
  }
}
