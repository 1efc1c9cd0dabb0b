import { isIP } from 'node:net';

/** A parsed Host header (or absolute-form authority): lower-cased name, brackets kept on IPv6, port if given. */
export type RequestHost = { hostname: string; port: string | undefined };

const HOST_PATTERN = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::(\d{1,5}))?$/;

/** Parses `name[:port]` strictly: no user info, path or spaces, so nothing else can ride along into a URL. */
export function parseHost(value: string): RequestHost | undefined {
  const match = HOST_PATTERN.exec(value.trim().toLowerCase());
  if (!match?.[1]) return undefined;
  const [, name, port] = match;
  if (port !== undefined && Number(port) > 65535) return undefined;
  if (name.startsWith('[') && isIP(name.slice(1, -1)) !== 6) return undefined;
  // "localhost." is the same name as "localhost"; only one trailing dot is a name at all.
  const hostname = name.endsWith('.') && !name.endsWith('..') ? name.slice(0, -1) : name;
  return { hostname, port };
}

/** `localhost`, `*.localhost` (RFC 6761 keeps them on this machine), 127.0.0.0/8 and `[::1]`. */
export function isLocalHostname(hostname: string): boolean {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return hostname.split('.').every((l) => l !== '');
  if (hostname === '[::1]') return true;
  return isIP(hostname) === 4 && hostname.startsWith('127.');
}

/**
 * Whether the stack answers requests addressed to this name: local names always, others only when listed
 * (`--allowed-hosts`; a leading dot allows the name and its subdomains, `*` allows any). Answering any Host would
 * let a web page whose name resolves to 127.0.0.1 (DNS rebinding) drive the stack from the user's browser.
 */
export function isAllowedHost(hostname: string, allowedHosts: readonly string[]): boolean {
  if (isLocalHostname(hostname)) return true;
  return allowedHosts.some((entry) => {
    const allowed = entry.toLowerCase();
    if (allowed === '*') return true;
    if (allowed.startsWith('.')) return hostname === allowed.slice(1) || hostname.endsWith(allowed);
    return hostname === allowed;
  });
}

const ALLOWED_HOST_ENTRY = /^(\*|\.?[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?|\[[0-9a-f:.]+\])$/;

/** The values of `--allowed-hosts` (repeatable, comma-separated) as entries for isAllowedHost; throws on a bad one. */
export function parseAllowedHosts(values: readonly string[]): string[] {
  const hosts = values.flatMap((v) => v.split(',')).map((h) => h.trim().toLowerCase());
  const bad = hosts.find((host) => !ALLOWED_HOST_ENTRY.test(host));
  if (bad !== undefined) {
    throw new Error(`--allowed-hosts takes host names such as orders.test or .example.test, got "${bad}".`);
  }
  return hosts;
}

export function formatHost(host: RequestHost): string {
  return host.port === undefined ? host.hostname : `${host.hostname}:${host.port}`;
}
