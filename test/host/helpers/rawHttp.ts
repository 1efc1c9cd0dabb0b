import { connect } from 'node:net';

export type RawResponse = { status: number; headers: Map<string, string>; body: string; closed: boolean };

/**
 * Sends `request` as bytes on a new connection and reads the first response, so tests can send what fetch never
 * would: unknown methods, broken request lines, missing or foreign Host headers, absolute-form targets.
 * Resolves once the response is complete (by Content-Length) or the server closed the connection; rejects when
 * nothing came within `timeoutMs`.
 */
export function rawRequest(
  port: number,
  request: string | Buffer,
  host = '127.0.0.1',
  timeoutMs = 10_000,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`No response within ${timeoutMs} ms`));
    });
    let data = Buffer.alloc(0);
    let settled = false;
    const finish = (closed: boolean): void => {
      const response = parse(data, closed);
      if (settled || !response) return;
      settled = true;
      socket.destroy();
      resolve(response);
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      finish(false);
    });
    socket.on('close', () => {
      finish(true);
      if (!settled) reject(new Error(`The connection closed without a response: ${JSON.stringify(String(data))}`));
    });
    socket.on('error', reject);
    socket.write(request);
  });
}

function parse(data: Buffer, closed: boolean): RawResponse | undefined {
  // Interim answers (100 Continue) come before the response itself.
  while (
    /^HTTP\/1\.1 1\d\d /.test(data.subarray(0, 13).toString('latin1')) &&
    !data.subarray(9, 12).equals(Buffer.from('101'))
  ) {
    const interimEnd = data.indexOf('\r\n\r\n');
    if (interimEnd < 0) return undefined;
    data = data.subarray(interimEnd + 4);
  }
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const status = Number(statusLine.split(' ')[1]);
  // After a 101 the bytes are another protocol's.
  if (status === 101) return { status, headers, body: '', closed };
  const body = data.subarray(end + 4);
  if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) {
    const whole = dechunk(body);
    if (whole) return { status, headers, body: whole.toString('utf8'), closed };
    return closed ? { status, headers, body: '', closed } : undefined; // a HEAD answer has no chunks at all
  }
  const length = Number(headers.get('content-length') ?? NaN);
  // Once the server closed, what came is the response (a HEAD answer has a length but no body).
  if (!closed && (Number.isFinite(length) ? body.length < length : true)) return undefined;
  return { status, headers, body: body.toString('utf8'), closed };
}

/** A chunked body's content once its last chunk has come, else undefined. */
function dechunk(body: Buffer): Buffer | undefined {
  const chunks: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || body.length < lineEnd + 2 + size) return undefined;
    if (size === 0) return Buffer.concat(chunks);
    chunks.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 4 + size;
  }
}
