/** An AccessKey connection string of Azure SignalR Service (or of this local stand-in), parsed. */
export interface SignalRConnectionSettings {
  /** Endpoint with `Port` applied, no trailing slash, e.g. `http://localhost:8888`. */
  endpoint: string;
  /** Where clients are sent: `ClientEndpoint` if given, else `endpoint`. */
  clientEndpoint: string;
  /** Where REST calls go: `ServerEndpoint` if given, else `endpoint`. */
  serverEndpoint: string;
  accessKey: string;
  version: string;
}

export class SignalRConnectionStringError extends Error {
  override name = 'SignalRConnectionStringError';
}

const KNOWN_KEYS = new Set([
  'endpoint',
  'port',
  'accesskey',
  'version',
  'clientendpoint',
  'serverendpoint',
  'authtype',
]);

/**
 * Parses `Endpoint=…;[Port=…;]AccessKey=…;Version=1.0;[ClientEndpoint=…;][ServerEndpoint=…;]`.
 * Keys are case-insensitive, values split on the first `=`. Identity-based forms (`AuthType=azure…`, or
 * `<prefix>__serviceUri` settings) exist in Azure but cannot be emulated locally, so they are refused clearly.
 */
export function parseSignalRConnectionString(value: string): SignalRConnectionSettings {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new SignalRConnectionStringError('SignalR connection string is empty');
  }
  const props = new Map<string, string>();
  for (const part of value.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new SignalRConnectionStringError(`SignalR connection string part "${part}" is not key=value`);
    const key = part.slice(0, eq).trim().toLowerCase();
    if (!KNOWN_KEYS.has(key)) {
      throw new SignalRConnectionStringError(`SignalR connection string has unknown key "${part.slice(0, eq).trim()}"`);
    }
    if (props.has(key)) throw new SignalRConnectionStringError(`SignalR connection string repeats key "${key}"`);
    props.set(key, part.slice(eq + 1).trim());
  }
  const authType = props.get('authtype');
  if (authType !== undefined) {
    throw new SignalRConnectionStringError(
      `SignalR connection string uses AuthType=${authType} (Microsoft Entra identity); Azure supports it but the ` +
        'local stack does not: use an AccessKey connection string',
    );
  }
  const rawEndpoint = props.get('endpoint');
  if (!rawEndpoint) throw new SignalRConnectionStringError('SignalR connection string has no Endpoint');
  const accessKey = props.get('accesskey');
  if (!accessKey) throw new SignalRConnectionStringError('SignalR connection string has no AccessKey');
  const version = props.get('version') ?? '1.0';
  if (!/^1\.\d+/.test(version)) {
    throw new SignalRConnectionStringError(`SignalR connection string Version=${version} is not supported (1.x)`);
  }
  const port = props.get('port');
  const endpoint = normalizeEndpoint(rawEndpoint, 'Endpoint', port);
  return {
    endpoint,
    clientEndpoint: props.has('clientendpoint')
      ? normalizeEndpoint(props.get('clientendpoint')!, 'ClientEndpoint')
      : endpoint,
    serverEndpoint: props.has('serverendpoint')
      ? normalizeEndpoint(props.get('serverendpoint')!, 'ServerEndpoint')
      : endpoint,
    accessKey,
    version,
  };
}

function normalizeEndpoint(raw: string, key: string, port?: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SignalRConnectionStringError(`SignalR connection string ${key}=${raw} is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SignalRConnectionStringError(`SignalR connection string ${key}=${raw} must be http or https`);
  }
  if (port !== undefined) {
    const n = Number(port);
    if (!/^\d+$/.test(port) || n < 1 || n > 65535) {
      throw new SignalRConnectionStringError(`SignalR connection string Port=${port} is not a port number (1-65535)`);
    }
    url.port = port;
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** The connection string a local service on `port` prints, in the official emulator's format. */
export function formatLocalConnectionString(port: number, accessKey: string): string {
  return `Endpoint=http://localhost;Port=${port};AccessKey=${accessKey};Version=1.0;`;
}

/** A SignalR connection string served by the local stand-in (its endpoint is this machine): its AccessKey. */
export function localSignalR(value: string): { accessKey: string } | undefined {
  if (!/^\s*Endpoint\s*=/i.test(value) || !/AccessKey\s*=/i.test(value)) return undefined;
  try {
    const parsed = parseSignalRConnectionString(value);
    const host = new URL(parsed.endpoint).hostname;
    return ['localhost', '127.0.0.1', '[::1]'].includes(host) ? { accessKey: parsed.accessKey } : undefined;
  } catch {
    return undefined;
  }
}
