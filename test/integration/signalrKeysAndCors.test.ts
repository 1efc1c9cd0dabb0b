import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mintClientAccessToken } from '../../local/signalr/accessTokens.js';
import { EMULATOR_SETTINGS, OrdersClient, useLocalStack } from '../support/stack.js';

// The tests' settings are the sample's: their SignalR AccessKey is the public placeholder.
const { stack, logger } = useLocalStack();
const PUBLIC_KEY = /AccessKey=([^;]+);/.exec(EMULATOR_SETTINGS.AzureSignalRConnectionString!)![1]!;

type ConnectionInfo = { url: string; accessToken: string };

async function negotiate(userId: string): Promise<ConnectionInfo> {
  const client = await OrdersClient.signIn(stack().urls.functions, userId);
  const response = await client.request('POST', '/api/negotiate');
  expect(response.status).toBe(200);
  return (await response.json()) as ConnectionInfo;
}

describe('the stack with the sample settings', () => {
  it('never signs with the public placeholder key, and refuses tokens made with it', async () => {
    expect(PUBLIC_KEY).toBe('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH');
    const { url, accessToken } = await negotiate('dana');
    const [header, payload, signature] = accessToken.split('.');
    const withPublicKey = createHmac('sha256', PUBLIC_KEY).update(`${header}.${payload}`).digest('base64url');
    expect(signature).not.toBe(withPublicKey);
    expect(logger.messages().join('\n')).toMatch(/public placeholder: signing with a key made for this run/);

    const negotiateUrl = `${url.replace('/client/?', '/client/negotiate?')}&negotiateVersion=1`;
    const genuine = await fetch(negotiateUrl, { method: 'POST', headers: { Authorization: `Bearer ${accessToken}` } });
    expect(genuine.status).toBe(200);
    const forged = await mintClientAccessToken({
      endpoint: stack().urls.signalr,
      accessKey: PUBLIC_KEY,
      hub: 'orders',
      userId: 'dana',
    });
    const refused = await fetch(negotiateUrl, {
      method: 'POST',
      headers: { Authorization: `Bearer ${forged.accessToken}` },
    });
    expect(refused.status).toBe(401);
  });

  it("answers SignalR CORS for the host's own origin and refuses any other", async () => {
    const { url } = await negotiate('erin');
    const port = new URL(stack().urls.functions).port;
    const preflight = (origin: string) =>
      fetch(url.replace('/client/?', '/client/negotiate?'), {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization',
        },
      });
    for (const origin of [`http://localhost:${port}`, `http://127.0.0.1:${port}`]) {
      const allowed = await preflight(origin);
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe(origin);
      expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    }
    for (const origin of ['http://evil.example', `http://localhost:${Number(port) + 1}`, 'null']) {
      const refused = await preflight(origin);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    }
  });
});
