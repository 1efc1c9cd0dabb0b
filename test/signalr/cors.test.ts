import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, HUB } from './helpers.js';

const fixture = new Fixture();
afterEach(() => fixture.dispose());

describe('CORS', () => {
  it('answers a preflight from an allowed origin by echoing it with credentials', async () => {
    const service = await fixture.start({ corsOrigins: ['http://localhost:7071'] });
    const preflight = await fetch(`${service.url}/client/negotiate?hub=${HUB}&negotiateVersion=1`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:7071',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,x-requested-with,x-signalr-user-agent',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:7071');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toBe(
      'authorization,x-requested-with,x-signalr-user-agent',
    );
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);

    // The actual (here unauthorized) response carries the origin too, so the browser can read the 401.
    const actual = await fetch(`${service.url}/client/negotiate?hub=${HUB}`, {
      method: 'POST',
      headers: { Origin: 'http://localhost:7071' },
    });
    expect(actual.status).toBe(401);
    expect(actual.headers.get('access-control-allow-origin')).toBe('http://localhost:7071');
  });

  it('refuses a preflight from an origin not listed, and echoes any origin when allowed with *', async () => {
    const strict = await fixture.start({ corsOrigins: ['http://localhost:7071'] });
    const refused = await fetch(`${strict.url}/client/negotiate?hub=${HUB}`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect(await refused.text()).toMatch(/corsOrigins/);

    const open = await fixture.start();
    const echoed = await fetch(`${open.url}/client/negotiate?hub=${HUB}`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://127.0.0.1:5173', 'Access-Control-Request-Method': 'POST' },
    });
    expect(echoed.status).toBe(204);
    expect(echoed.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173');
  });
});
