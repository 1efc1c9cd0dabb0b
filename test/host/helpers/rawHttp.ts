import { connect } from 'node:net';

export type RawResponse = { status: number; headers: Map<string, string>; body: string; closed: boolean };

/**
 * Sends `request` as bytes on a new connection and reads the first response, so tests can send what fetch never
 * would: unknown methods, broken request lines, missing or foreign Host headers, absolute-form targets.
 * Resolves once the response is complete (by Content-Length) or the server closed the connection.
 */
export function rawRequest(port: number, request: string | Buffer, host = '127.0.0.1'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
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
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const body = data.subarray(end + 4);
  const length = Number(headers.get('content-length') ?? NaN);
  if (Number.isFinite(length) ? body.length < length : !closed) return undefined;
  return { status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8'), closed };
}
