import { createHmac } from 'node:crypto';
import { httpCall, type HttpCallResult } from '../../../shared/httpCall.js';

/** Where a storage service is and the Shared Key that signs for it. */
export type BlobLocation = { endpoint: string; accountName: string; accountKey: string };

/** A Blob service answer other than the one expected; `statusCode` as the SDK's RestError has it. */
export class BlobRequestError extends Error {
  override readonly name = 'BlobRequestError';
  constructor(
    readonly statusCode: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

// A version every Azurite release this stack supports accepts; the three calls below have not changed since.
const API_VERSION = '2021-08-06';
const TIMEOUT_MS = 30_000;

/**
 * The host's own container in `AzureWebJobsStorage` (`azure-webjobs-hosts`: timer schedule status), spoken to
 * over Blob REST with Shared Key. The host needs three calls of it; the Blob SDK costs ~0.3 s of CPU to load, which
 * every app with a timer would otherwise pay at start. Bindings on blobs use the SDK.
 */
export class HostContainer {
  readonly #at: BlobLocation;
  readonly #name: string;

  constructor(at: BlobLocation, name: string) {
    this.#at = at;
    this.#name = name;
  }

  /** Creates the container; one that exists already is fine. */
  async createIfNotExists(): Promise<void> {
    const answer = await this.#call('PUT', '', 'restype=container');
    if (answer.status !== 201 && !(answer.status === 409 && errorCode(answer) === 'ContainerAlreadyExists')) {
      throw failure(answer, 'create the container', this.#name);
    }
  }

  /** A blob's content, or undefined when there is no such blob (or container). */
  async read(blob: string): Promise<Buffer | undefined> {
    const answer = await this.#call('GET', blob);
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw failure(answer, 'read', `${this.#name}/${blob}`);
    return answer.body;
  }

  /** Writes a block blob whole, replacing what was there; creates the container first if it is missing. */
  async write(blob: string, body: string): Promise<void> {
    let answer = await this.#call('PUT', blob, undefined, body);
    if (answer.status === 404 && errorCode(answer) === 'ContainerNotFound') {
      // Usually the host made it at start; made here once, should it have been deleted since.
      await this.createIfNotExists();
      answer = await this.#call('PUT', blob, undefined, body);
    }
    if (answer.status !== 201) throw failure(answer, 'write', `${this.#name}/${blob}`);
  }

  #call(method: string, blob: string, query?: string, body?: string): Promise<HttpCallResult> {
    const { endpoint, accountName, accountKey } = this.#at;
    const path = [this.#name, ...(blob === '' ? [] : blob.split('/'))].map(encodeURIComponent).join('/');
    const url = new URL(`${endpoint.replace(/\/+$/, '')}/${path}${query ? `?${query}` : ''}`);
    const headers: Record<string, string> = { 'x-ms-date': new Date().toUTCString(), 'x-ms-version': API_VERSION };
    if (body !== undefined) {
      headers['x-ms-blob-type'] = 'BlockBlob';
      headers['Content-Type'] = 'application/octet-stream';
    }
    const length = body === undefined ? 0 : Buffer.byteLength(body);
    headers.Authorization = `SharedKey ${accountName}:${sign(accountKey, stringToSign(method, url, accountName, headers, length))}`;
    return httpCall(url, { method, headers, timeoutMs: TIMEOUT_MS, ...(body === undefined ? {} : { body }) });
  }
}

/**
 * Shared Key's string to sign for the Blob service (versions from 2015-02-21: a zero length is empty), with the
 * canonical resource as the SDK builds it for a path-style (emulator) URL: the account, then the URL's path.
 */
function stringToSign(
  method: string,
  url: URL,
  accountName: string,
  headers: Record<string, string>,
  length: number,
): string {
  const standard = [method, '', '', length === 0 ? '' : String(length), '', headers['Content-Type'] ?? ''];
  const conditional = ['', '', '', '', '', ''];
  const msHeaders = Object.keys(headers)
    .filter((name) => name.toLowerCase().startsWith('x-ms-'))
    .map((name) => `${name.toLowerCase()}:${headers[name]!.trim()}\n`)
    .sort()
    .join('');
  const params = [...url.searchParams.keys()]
    .map((key) => key.toLowerCase())
    .sort()
    .map((key) => `\n${key}:${url.searchParams.getAll(key).join(',')}`)
    .join('');
  return `${[...standard, ...conditional].join('\n')}\n${msHeaders}/${accountName}${url.pathname}${params}`;
}

function sign(accountKey: string, text: string): string {
  return createHmac('sha256', Buffer.from(accountKey, 'base64')).update(text, 'utf8').digest('base64');
}

function errorCode(answer: HttpCallResult): string | undefined {
  const code = answer.headers['x-ms-error-code'];
  return typeof code === 'string' ? code : undefined;
}

function failure(answer: HttpCallResult, action: string, what: string): BlobRequestError {
  const code = errorCode(answer);
  return new BlobRequestError(
    answer.status,
    code,
    `The Blob service answered ${answer.status}${code ? ` (${code})` : ''} to ${action} '${what}'.`,
  );
}
