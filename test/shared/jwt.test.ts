import { describe, expect, it } from 'vitest';
import { signJwt, verifyJwt, CLOCK_SKEW_SECONDS } from '../../local/shared/jwt.js';

const KEY = 'a-key-for-the-jwt-tests-0123456789';
const AUD = 'https://example.test/api';

function claims(nowSeconds: number, extra: Record<string, unknown> = {}) {
  return { aud: AUD, iat: nowSeconds, nbf: nowSeconds, exp: nowSeconds + 60, ...extra };
}

// verifyJwt remembers tokens whose signature it checked; these make sure that memory never stands in for the
// checks that depend on the moment or the caller.
describe('verifyJwt, a token seen before', () => {
  it('is refused once it has expired, though it verified a minute earlier', async () => {
    const now = 1_900_000_000;
    const token = await signJwt(claims(now), KEY);
    await expect(verifyJwt(token, KEY, { nowMs: now * 1000, audience: AUD })).resolves.toMatchObject({ aud: AUD });
    await expect(verifyJwt(token, KEY, { nowMs: (now + 60) * 1000, audience: AUD })).rejects.toThrow(/expired/);
  });

  it('is refused under another key', async () => {
    const now = 1_900_000_100;
    const token = await signJwt(claims(now), KEY);
    await verifyJwt(token, KEY, { nowMs: now * 1000, audience: AUD });
    await expect(verifyJwt(token, `${KEY}-other`, { nowMs: now * 1000, audience: AUD })).rejects.toThrow(
      /signature does not match/,
    );
  });

  it('is refused for another audience, and before its nbf when asked earlier', async () => {
    const now = 1_900_000_200;
    const token = await signJwt(claims(now, { nbf: now + 10 }), KEY);
    await verifyJwt(token, KEY, { nowMs: now * 1000, audience: AUD });
    await expect(verifyJwt(token, KEY, { nowMs: now * 1000, audience: `${AUD}/other` })).rejects.toThrow(
      /audience must be/,
    );
    const early = (now + 10 - CLOCK_SKEW_SECONDS - 1) * 1000;
    await expect(verifyJwt(token, KEY, { nowMs: early, audience: AUD })).rejects.toThrow(/not valid before/);
  });

  it('hands each caller its own claims object', async () => {
    const now = 1_900_000_300;
    const token = await signJwt(claims(now, { sub: 'alice' }), KEY);
    const first = await verifyJwt(token, KEY, { nowMs: now * 1000, audience: AUD });
    first.sub = 'mallory';
    expect((await verifyJwt(token, KEY, { nowMs: now * 1000, audience: AUD })).sub).toBe('alice');
  });

  it('is still checked in full when one character differs', async () => {
    const now = 1_900_000_400;
    const token = await signJwt(claims(now), KEY);
    await verifyJwt(token, KEY, { nowMs: now * 1000, audience: AUD });
    const last = token.at(-1) === 'A' ? 'Q' : 'A';
    await expect(verifyJwt(`${token.slice(0, -1)}${last}`, KEY, { nowMs: now * 1000, audience: AUD })).rejects.toThrow(
      /signature|canonical/,
    );
  });
});

describe('signJwt', () => {
  it('gives the same claims under the same key the same token, and under another key a different one', async () => {
    const c = claims(1_900_000_500);
    const token = await signJwt(c, KEY);
    expect(await signJwt({ ...c }, KEY)).toBe(token);
    const other = await signJwt(c, `${KEY}-other`);
    expect(other).not.toBe(token);
    await expect(verifyJwt(other, `${KEY}-other`, { nowMs: 1_900_000_500_000, audience: AUD })).resolves.toBeDefined();
  });
});
