import type { IncomingMessage } from 'node:http';
import { formatHost, isAllowedHost, parseHost, type RequestHost } from './hostHeader.js';
import { httpProblems } from './httpProblems.js';
import type { Problem } from './problemJson.js';

/**
 * The URL a request is for, built only from a checked host name and the request's path: what the Functions app
 * gets as `request.url` (and builds `Location`/`statusUrl` from), what the SignalR service checks token audiences
 * against, and what both route on.
 */
export function resolveRequestTarget(
  req: IncomingMessage,
  allowedHosts: readonly string[],
): { url: URL } | { problem: Problem } {
  const target = req.url ?? '/';
  let host: RequestHost | undefined;
  let path = target;
  if (target.startsWith('/')) {
    const header = req.headers.host;
    if (header === undefined) {
      // HTTP/1.0 may leave Host out; such a client reached this socket directly, so it is named by its address.
      if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0) host = socketHost(req);
      else return { problem: httpProblems.noHost() };
    } else {
      host = parseHost(header);
      if (!host) return { problem: httpProblems.hostNotAllowed(header) };
    }
  } else {
    // Absolute form (`GET http://name/path`): its authority replaces Host (RFC 9112 §3.2.2).
    const absolute = /^http:\/\/([^/?#]*)([^#]*)$/i.exec(target);
    if (!absolute) return { problem: httpProblems.badTarget() };
    host = parseHost(absolute[1] ?? '');
    if (!host) return { problem: httpProblems.hostNotAllowed(absolute[1] ?? '') };
    path = absolute[2] || '/';
    if (!path.startsWith('/')) path = `/${path}`;
  }
  if (!isAllowedHost(host.hostname, allowedHosts)) return { problem: httpProblems.hostNotAllowed(formatHost(host)) };
  try {
    return { url: new URL(`http://${formatHost(host)}${path}`) };
  } catch {
    return { problem: httpProblems.badTarget() };
  }
}

function socketHost(req: IncomingMessage): RequestHost {
  const address = (req.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:(?=\d+\.)/, '');
  const hostname = address.includes(':') ? `[${address}]` : address;
  return { hostname, port: String(req.socket.localPort ?? '') || undefined };
}
