import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintClientAccessToken, mintRestAccessToken } from '../../local/signalr/accessTokens.js';
import { createSignalRRestClient } from '../../local/signalr/restClient.js';
import { ManualClock } from '../../local/shared/clock.js';
import type { SignalRService } from '../../local/signalr/service.js';
import { accessKeyOf, Fixture, HUB, upgradeStatus } from './helpers.js';

/**
 * Forged, stolen and misused tokens against the real service, over real HTTP: every variant must be refused
 * with 401 and change nothing. Tokens are built by hand here (as an attacker would), not with the code under test.
 */
const fixture = new Fixture();
const clock = new ManualClock(Date.now());
let service: SignalRService;
let key: string;
let origin: string;
let port: string;

beforeAll(async () => {
  service = await fixture.start({ clock });
  key = accessKeyOf(service);
  origin = service.url;
  port = new URL(origin).port;
});
afterAll(() => fixture.dispose());

type Header = Record<string, unknown>;
type Claims = Record<string, unknown>;

const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');
const hmac = (alg: string, signingKey: string, data: string) =>
  createHmac(alg, Buffer.from(signingKey, 'utf8')).update(data).digest();

/** Base64url with `=` padding: JSON padded with spaces until its length needs some. */
function paddedB64(json: string): string {
  const text = json.length % 3 === 0 ? `${json} ` : json;
  return Buffer.from(text).toString('base64').replaceAll('+', '-').replaceAll('/', '_');
}

type ForgeOptions = { header?: Header; key?: string; hash?: string; padHeader?: boolean; padPayload?: boolean };

/** An HS256 (or `hash`) JWT over exactly the header and claims given, signed over the parts as spelled. */
function forge(claims: Claims, options: ForgeOptions = {}): string {
  const header = JSON.stringify(options.header ?? { alg: 'HS256', typ: 'JWT' });
  const payload = JSON.stringify(claims);
  const body = `${options.padHeader ? paddedB64(header) : b64(header)}.${options.padPayload ? paddedB64(payload) : b64(payload)}`;
  return `${body}.${b64(hmac(options.hash ?? 'sha256', options.key ?? key, body))}`;
}

const now = () => Math.floor(clock.now() / 1000);
const times = () => ({ iat: now(), nbf: now(), exp: now() + 300 });

const PATH = `/api/hubs/${HUB}/users/alice/groups/user-bob`;
const QUERY = '?api-version=2022-06-01';
const restUrl = (path = PATH) => `${origin}${path}`;
const clientAud = (hub = HUB) => `${origin}/client/?hub=${hub}`;
const restToken = (claims: Claims = {}, options?: ForgeOptions) =>
  forge({ aud: restUrl(), ...times(), ...claims }, options);
const clientToken = (claims: Claims = {}, options?: ForgeOptions) =>
  forge({ aud: clientAud(), nameid: 'alice', ...times(), ...claims }, options);

/** A valid REST token whose signature has a `-` or `_`, so the standard alphabet spells it differently. */
function restTokenWithUrlSafeSignature(): string {
  for (let jti = 0; ; jti++) {
    const token = restToken({ jti });
    if (/[-_]/.test(token.split('.')[2]!)) return token;
  }
}

/** The same token with its signature spelled another way: the same bytes, a different string. */
function respell(token: string, how: 'padded' | 'trailing-bits' | 'standard-alphabet'): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const bytes = Buffer.from(signature, 'base64url');
  if (how === 'padded') return `${header}.${payload}.${signature}=`;
  if (how === 'standard-alphabet') return `${header}.${payload}.${bytes.toString('base64').replace(/=+$/, '')}`;
  // 32 bytes = 43 characters, the last carrying 2 unused low bits: set them.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(signature.at(-1)!);
  return `${header}.${payload}.${signature.slice(0, -1)}${alphabet[last | 0b01]}`;
}

async function restCall(authorization: string | undefined, path = PATH, method = 'PUT'): Promise<Response> {
  return fetch(`${restUrl(path)}${QUERY}`, {
    method,
    headers: authorization === undefined ? {} : { Authorization: authorization },
  });
}

async function negotiate(token: string | undefined, hub = HUB): Promise<Response> {
  return fetch(`${origin}/client/negotiate?hub=${hub}&negotiateVersion=1`, {
    method: 'POST',
    headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
  });
}

/** A WebSocket without negotiate (skipNegotiation), token in the query as browsers send it. */
function upgrade(token: string, hub = HUB): Promise<number> {
  return upgradeStatus(`${origin.replace('http:', 'ws:')}/client/?hub=${hub}&access_token=${token}`);
}

type Variant = [name: string, call: () => Promise<number>];
const rest =
  (token: () => string, path?: string): (() => Promise<number>) =>
  async () => {
    const response = await restCall(`Bearer ${token()}`, path);
    await response.arrayBuffer();
    return response.status;
  };
const client =
  (token: () => string, hub?: string): (() => Promise<number>) =>
  async () => {
    const response = await negotiate(token(), hub);
    await response.arrayBuffer();
    return response.status;
  };

const REST_VARIANTS: Variant[] = [
  ['no Authorization header', async () => (await restCall(undefined)).status],
  ['an empty bearer token', async () => (await restCall('Bearer ')).status],
  ['a Basic credential', async () => (await restCall(`Basic ${b64(`x:${key}`)}`)).status],
  ['signed with another key', rest(() => restToken({}, { key: 'not-the-key' }))],
  ['signed with an empty key', rest(() => restToken({}, { key: '' }))],
  ['alg none, no signature', rest(() => restToken({}, { header: { alg: 'none' } }).replace(/[^.]+$/, ''))],
  ['alg none, signed', rest(() => restToken({}, { header: { alg: 'none', typ: 'JWT' } }))],
  ['alg HS512', rest(() => restToken({}, { header: { alg: 'HS512', typ: 'JWT' }, hash: 'sha512' }))],
  ['alg HS384', rest(() => restToken({}, { header: { alg: 'HS384', typ: 'JWT' }, hash: 'sha384' }))],
  ['alg RS256 header over an HMAC', rest(() => restToken({}, { header: { alg: 'RS256', typ: 'JWT' } }))],
  ['alg hs256 in lower case', rest(() => restToken({}, { header: { alg: 'hs256', typ: 'JWT' } }))],
  ['no alg', rest(() => restToken({}, { header: { typ: 'JWT' } }))],
  ['a crit header it cannot honour', rest(() => restToken({}, { header: { alg: 'HS256', crit: ['exp2'], exp2: 1 } }))],
  [
    'an unencoded payload (b64: false)',
    rest(() => restToken({}, { header: { alg: 'HS256', b64: false, crit: ['b64'] } })),
  ],
  ['no exp', rest(() => restToken({ exp: undefined }))],
  ['exp as a string', rest(() => restToken({ exp: String(now() + 300) }))],
  ['expired a second ago', rest(() => restToken({ iat: now() - 301, nbf: now() - 301, exp: now() - 1 }))],
  ['expiring this very second', rest(() => restToken({ exp: now() }))],
  ['nbf a minute ahead', rest(() => restToken({ nbf: now() + 60 }))],
  ['nbf a day ahead', rest(() => restToken({ nbf: now() + 86_400, exp: now() + 90_000 }))],
  ['iat an hour ahead', rest(() => restToken({ iat: now() + 3600 }))],
  ['nbf as a string', rest(() => restToken({ nbf: 'now' }))],
  ["alice's client token from negotiate", rest(() => clientToken())],
  ['a client token naming this very URL in another claim', rest(() => clientToken({ sub: restUrl() }))],
  [
    'a token for another user-group URL',
    rest(() => restToken({ aud: restUrl(`/api/hubs/${HUB}/users/alice/groups/user-alice`) })),
  ],
  [
    'a token for the same URL in another hub',
    rest(() => restToken({ aud: restUrl(`/api/hubs/chat/users/alice/groups/user-bob`) })),
  ],
  ['a token for the health URL', rest(() => restToken({ aud: restUrl('/api/health') }))],
  [
    'a token for the v1 path of the call',
    rest(() => restToken({ aud: restUrl(`/api/v1/hubs/${HUB}/groups/user-bob/users/alice`) })),
  ],
  ['a token for the parent path', rest(() => restToken({ aud: restUrl(`/api/hubs/${HUB}/users/alice`) }))],
  ['a token for a longer path', rest(() => restToken({ aud: restUrl(`${PATH}/more`) }))],
  ['a token for the hub root', rest(() => restToken({ aud: restUrl(`/api/hubs/${HUB}`) }))],
  ['a token for another port', rest(() => restToken({ aud: `http://localhost:${Number(port) + 1}${PATH}` }))],
  ['a token for another host', rest(() => restToken({ aud: `http://evil.example:${port}${PATH}` }))],
  ['a token for https', rest(() => restToken({ aud: `https://localhost:${port}${PATH}` }))],
  [
    'a token whose path climbs back with ..',
    rest(() => restToken({ aud: restUrl(`/api/hubs/${HUB}/users/alice/groups/x/../user-bob`) })),
  ],
  [
    'a token with the user-group order swapped',
    rest(() => restToken({ aud: restUrl(`/api/hubs/${HUB}/groups/user-bob/users/alice`) })),
  ],
  ['no aud', rest(() => restToken({ aud: undefined }))],
  ['aud a number', rest(() => restToken({ aud: 8888 }))],
  ['aud a list without the URL', rest(() => restToken({ aud: [restUrl('/api/health'), clientAud()] }))],
  ['aud not a URL', rest(() => restToken({ aud: 'orders' }))],
  ['a padded signature', rest(() => respell(restToken(), 'padded'))],
  ['a signature with stray low bits', rest(() => respell(restToken(), 'trailing-bits'))],
  [
    'a signature in the standard base64 alphabet',
    rest(() => respell(restTokenWithUrlSafeSignature(), 'standard-alphabet')),
  ],
  ['a padded header, signed as padded', rest(() => restToken({}, { padHeader: true }))],
  ['a padded payload, signed as padded', rest(() => restToken({}, { padPayload: true }))],
  ['a truncated signature', rest(() => restToken().slice(0, -2))],
  ['four parts', rest(() => `${restToken()}.x`)],
  ['two parts', rest(() => restToken().split('.').slice(0, 2).join('.'))],
  ['a payload that is not JSON', rest(() => `${b64('{"alg":"HS256"}')}.${b64('not json')}.x`)],
  [
    'claims edited after signing',
    rest(() => {
      const [header, , signature] = restToken().split('.');
      return `${header}.${b64(JSON.stringify({ aud: restUrl(), ...times(), exp: now() + 86_400 }))}.${signature}`;
    }),
  ],
];

const CLIENT_VARIANTS: Variant[] = [
  ['no token', async () => (await negotiate(undefined)).status],
  ['a client token for hub chat', client(() => clientToken({ aud: clientAud('chat') }))],
  ['a client token for hub orders used on hub chat', client(() => clientToken(), 'chat')],
  ['a REST token', client(() => restToken())],
  ['a REST token for the hub root', client(() => restToken({ aud: restUrl(`/api/hubs/${HUB}`) }))],
  ['the server audience of the hub', client(() => clientToken({ aud: `${origin}/server/?hub=${HUB}` }))],
  ['the negotiate URL as audience', client(() => clientToken({ aud: `${origin}/client/negotiate?hub=${HUB}` }))],
  ['a client audience without hub', client(() => clientToken({ aud: `${origin}/client/` }))],
  [
    'a client audience on another port',
    client(() => clientToken({ aud: `http://localhost:${Number(port) + 1}/client/?hub=${HUB}` })),
  ],
  ['a client audience on another host', client(() => clientToken({ aud: `http://evil.example/client/?hub=${HUB}` }))],
  ['a client token signed with another key', client(() => clientToken({}, { key: 'not-the-key' }))],
  ['a client token with alg none', client(() => clientToken({}, { header: { alg: 'none' } }).replace(/[^.]+$/, ''))],
  ['a client token with alg HS512', client(() => clientToken({}, { header: { alg: 'HS512' }, hash: 'sha512' }))],
  ['an expired client token', client(() => clientToken({ iat: now() - 3600, nbf: now() - 3600, exp: now() - 1 }))],
  ['a client token without exp', client(() => clientToken({ exp: undefined }))],
  ['a client token valid from tomorrow', client(() => clientToken({ nbf: now() + 86_400, exp: now() + 90_000 }))],
  ['a client token issued in the future', client(() => clientToken({ iat: now() + 600 }))],
  ['a client token with a padded signature', client(() => respell(clientToken(), 'padded'))],
  ['a client token with stray signature bits', client(() => respell(clientToken(), 'trailing-bits'))],
  ['a WebSocket with a token for hub chat', () => upgrade(clientToken({ aud: clientAud('chat') }))],
  ['a WebSocket with a REST token', () => upgrade(restToken())],
  ['a WebSocket with an expired token', () => upgrade(clientToken({ exp: now() - 1 }))],
];

describe('forged and misused tokens', () => {
  it('has a valid REST and client token accepted (the controls for every refusal below)', async () => {
    const own = `/api/hubs/${HUB}/users/carol/groups/g`;
    expect((await restCall(`Bearer ${restToken({ aud: restUrl(own) })}`, own)).status).toBe(200);
    expect((await negotiate(clientToken())).status).toBe(200);
    expect(await upgrade(clientToken())).toBe(101);
  });

  it('takes the audiences Azure SDKs mint: no port, with a query, by another loopback name, a small skew', async () => {
    const own = `/api/hubs/${HUB}/users/carol/groups/sdk`;
    const accepted = [
      restToken({ aud: `http://localhost${own}` }),
      restToken({ aud: `http://localhost${own}?api-version=2022-06-01` }),
      restToken({ aud: `http://127.0.0.1:${port}${own}/` }),
      restToken({ aud: [restUrl('/api/health'), restUrl(own)] }),
      restToken({ aud: restUrl(own), nbf: now() + 10, iat: now() + 10 }),
    ];
    for (const token of accepted) expect((await restCall(`Bearer ${token}`, own)).status).toBe(200);
    expect((await negotiate(clientToken({ aud: `http://localhost/client/?hub=${HUB}` }))).status).toBe(200);
    expect((await negotiate(clientToken({ aud: `${origin}/client/?hub=ORDERS` }))).status).toBe(200);
    expect((await negotiate(clientToken({ iat: now() + 10 }))).status).toBe(200);
  });

  it.each(REST_VARIANTS)('REST PUT …/users/alice/groups/user-bob refuses %s with 401', async (_name, call) => {
    expect(await call()).toBe(401);
  });

  it.each(CLIENT_VARIANTS)('the client endpoint refuses %s with 401', async (_name, call) => {
    expect(await call()).toBe(401);
  });

  it('left alice out of user-bob after all of that', async () => {
    const server = createSignalRRestClient(service.connectionString);
    expect(await server.userInGroup(HUB, 'user-bob', 'alice')).toBe(false);
  });

  it("refuses alice's real negotiate token on REST, so she can neither join bob's group nor send to it", async () => {
    const { accessToken } = await mintClientAccessToken({
      endpoint: origin,
      accessKey: key,
      hub: HUB,
      userId: 'alice',
    });
    const join = await restCall(`Bearer ${accessToken}`);
    expect(join.status).toBe(401);
    expect(await join.json()).toMatchObject({ code: 'Error.Unauthorized', message: expect.stringMatching(/audience/) });
    const send = await fetch(`${restUrl(`/api/hubs/${HUB}/groups/user-bob/:send`)}${QUERY}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ target: 'orderStatus', arguments: [{ status: 'Rejected' }] }),
    });
    expect(send.status).toBe(401);
    // And a genuine server token for one URL opens no other.
    const forAlice = await mintRestAccessToken(restUrl(`/api/hubs/${HUB}/users/alice/groups/user-alice`), key);
    expect((await restCall(`Bearer ${forAlice}`)).status).toBe(401);
  });
});
