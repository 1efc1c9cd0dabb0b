import type { RpcTypedData } from '../../rpc/types.js';

const isDefined = <T>(value: T | null | undefined): value is T => value !== null && value !== undefined;

const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * A value the worker sent (an output binding's data, a return value) as the host holds it, like the host's
 * `ToObject`: `json` parsed, `string` kept as text, `bytes`/`stream` as a Buffer, numbers as numbers, an `http`
 * response as its RpcHttp, collections as arrays; nothing (null, undefined, an empty TypedData) as undefined.
 */
export function fromRpcTypedData(data: RpcTypedData | null | undefined): unknown {
  if (!data) return undefined;
  if (isDefined(data.string)) return data.string;
  if (isDefined(data.json)) return JSON.parse(data.json) as unknown;
  if (isDefined(data.bytes)) return toBuffer(data.bytes);
  if (isDefined(data.stream)) return toBuffer(data.stream);
  if (isDefined(data.http)) return data.http;
  if (isDefined(data.int)) return data.int;
  if (isDefined(data.double)) return data.double;
  if (isDefined(data.collectionString)) return data.collectionString.string;
  if (isDefined(data.collectionBytes)) return data.collectionBytes.bytes.map(toBuffer);
  if (isDefined(data.collectionDouble)) return data.collectionDouble.double;
  if (isDefined(data.collectionSint64)) return data.collectionSint64.sint64;
  return undefined;
}

/** Text of a value: strings as they are, bytes as UTF-8, anything else as JSON (what a text-only binding takes). */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return JSON.stringify(value) ?? '';
}
