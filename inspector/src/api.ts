const KEY_STORAGE = 'local-inspector.master-key';

/**
 * The master key the actions need. It arrives in the URL fragment (`/_local/#key=…`, as the start-up banner
 * prints it: a fragment never reaches a server or a log), is kept for this tab only, and leaves the address bar.
 */
export function takeKeyFromUrl(): void {
  const match = /(?:^|&)key=([^&]+)/.exec(location.hash.slice(1));
  if (!match) return;
  sessionStorage.setItem(KEY_STORAGE, decodeURIComponent(match[1]!));
  history.replaceState(null, '', location.pathname + location.search);
}

export function masterKey(): string | undefined {
  return sessionStorage.getItem(KEY_STORAGE) ?? undefined;
}

export function setMasterKey(key: string): void {
  sessionStorage.setItem(KEY_STORAGE, key.trim());
}

export class ActionError extends Error {}

async function problemText(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const problem = JSON.parse(text) as { detail?: string };
    return problem.detail ?? text;
  } catch {
    return text || `HTTP ${response.status}`;
  }
}

export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new ActionError(await problemText(response));
  return (await response.json()) as T;
}

/** A state-changing call: JSON, with the master key. */
export async function postJson<T>(path: string, body: unknown): Promise<T | undefined> {
  const key = masterKey();
  if (!key) throw new ActionError('Enter the master key first (it is in the start-up banner).');
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'x-functions-key': key },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new ActionError(await problemText(response));
  const text = await response.text();
  return text ? (JSON.parse(text) as T) : undefined;
}
