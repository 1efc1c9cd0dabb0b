import type { IncomingMessage } from 'node:http';

/**
 * Which `aud` a token needs where, as Azure SignalR Service checks it: a REST call's token names that call's URL,
 * a client token names the client URL of its hub. URLs are compared on scheme, host, port and path (decoded segment
 * by segment, never normalized, so `%2E%2E` stays a segment and does not climb). The port may be left out, as
 * Azure's .NET SDK does in every audience it mints; `localhost`, `127.0.0.1` and `[::1]` name the same service.
 */
export interface Audience {
  test(audience: string): boolean;
  /** For the 401 message. */
  name: string;
}

interface UrlParts {
  scheme: string;
  hostname: string;
  port: string | undefined;
  segments: string[];
  query: URLSearchParams;
}

const ABSOLUTE_URL = /^(https?):\/\/([^/?#]+)([^?#]*)(?:\?([^#]*))?$/i;
const HOST_AND_PORT = /^(\[[^\]]+\]|[^:]+)(?::(\d*))?$/;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The token of a REST call must name the URL called (its query aside). */
export function restAudience(request: IncomingMessage, rawPath: string): Audience {
  const called = requestParts(request, rawPath);
  return {
    name: `the URL called (http://${request.headers.host ?? '?'}${rawPath})`,
    test: (audience) => {
      const aud = parseUrl(audience);
      return !!called && !!aud && sameOrigin(aud, called) && sameSegments(aud.segments, called.segments);
    },
  };
}

/** A client token must name the client URL of the hub it connects to: `<endpoint>/client/?hub=<hub>`. */
export function clientAudience(request: IncomingMessage, hub: string): Audience {
  const called = requestParts(request, '/client/');
  const hubKey = hub.toLowerCase();
  return {
    name: `the client URL of hub '${hubKey}' (http://${request.headers.host ?? '?'}/client/?hub=${hubKey})`,
    test: (audience) => {
      const aud = parseUrl(audience);
      return (
        !!called &&
        !!aud &&
        sameOrigin(aud, called) &&
        sameSegments(aud.segments, ['client']) &&
        aud.query.get('hub')?.toLowerCase() === hubKey
      );
    },
  };
}

/** The hub a client-URL audience names, if it is one (to say "for hub 'chat', not 'orders'"). */
export function audienceHub(audience: string): string | undefined {
  const aud = parseUrl(audience);
  return aud && sameSegments(aud.segments, ['client']) ? (aud.query.get('hub')?.toLowerCase() ?? undefined) : undefined;
}

/** The request as an absolute URL: this service speaks plain HTTP, and the Host header names what was called. */
function requestParts(request: IncomingMessage, rawPath: string): UrlParts | undefined {
  const host = request.headers.host;
  return host ? parseUrl(`http://${host}${rawPath}`) : undefined;
}

function parseUrl(url: string): UrlParts | undefined {
  const match = ABSOLUTE_URL.exec(url);
  const host = match && HOST_AND_PORT.exec(match[2]!);
  if (!match || !host) return undefined;
  let segments: string[];
  try {
    segments = match[3]!
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);
  } catch {
    return undefined;
  }
  return {
    scheme: match[1]!.toLowerCase(),
    hostname: host[1]!.toLowerCase(),
    port: host[2] || undefined,
    segments,
    query: new URLSearchParams(match[4] ?? ''),
  };
}

function sameOrigin(aud: UrlParts, called: UrlParts): boolean {
  const sameHost = aud.hostname === called.hostname || (LOOPBACK.has(aud.hostname) && LOOPBACK.has(called.hostname));
  const calledPort = called.port ?? (called.scheme === 'https' ? '443' : '80');
  return aud.scheme === called.scheme && sameHost && (aud.port === undefined || aud.port === calledPort);
}

function sameSegments(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((segment, i) => segment === b[i]);
}
