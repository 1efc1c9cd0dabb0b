import { randomBytes } from 'node:crypto';
import type { HubConnection } from '@microsoft/signalr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSignalRTriggerBinding } from '../../local/host/extensions/signalR/trigger.js';
import { runningServices, startFunctionsHost, type FunctionsHost } from '../../local/host/index.js';
import { computeUpstreamSignature, type SignalRService } from '../../local/signalr/index.js';
import { Fixture } from '../signalr/helpers.js';
import { CaptureLogger, reported } from './helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from './helpers/fixtureApp.js';

/** The app: an `echo` message handler bound to `text`, and connected/disconnected handlers on the `chat` hub. */
const APP = `
import { app, trigger } from '@azure/functions';

// What each function saw goes to the host as a log line the test reads.
const report = (context, value) => context.log(\`seen:\${JSON.stringify(value)}\`);
const on = (category, event, extra = {}) =>
  trigger.generic({ type: 'signalRTrigger', hubName: 'chat', category, event, ...extra });

app.generic('onMessage', {
  trigger: on('messages', 'echo', { parameterNames: ['text'] }),
  handler: async (invocation, context) => {
    report(context, { fn: 'onMessage', invocation, metadata: context.triggerMetadata });
    if (context.triggerMetadata.text === 'fail') throw new Error('echo refused');
    return { echoed: context.triggerMetadata.text, by: invocation.UserId };
  },
});

app.generic('onConnected', {
  trigger: on('connections', 'connected'),
  handler: async (invocation, context) => {
    report(context, { fn: 'onConnected', invocation });
    if (invocation.UserId === 'blocked') throw new Error('not welcome');
  },
});

app.generic('onDisconnected', {
  trigger: on('connections', 'disconnected'),
  handler: async (invocation, context) => {
    report(context, { fn: 'onDisconnected', invocation });
  },
});
`;

type Seen = { fn: string; invocation: Record<string, unknown>; metadata?: Record<string, unknown> };
const seen = (): Seen[] => reported<Seen>(logger, 'seen');

const accessKey = randomBytes(32).toString('base64');
const signalr = new Fixture();
const logger = new CaptureLogger();
let app: FixtureApp;
let service: SignalRService;
let host: FunctionsHost;
const serviceLog: string[] = [];

const executed = (name: string) => (e: { message: string }) => e.message.startsWith(`Executed 'Functions.${name}'`);

beforeAll(async () => {
  app = copyFixture('empty-app', { IsEncrypted: false, Values: {} });
  app.write('dist/index.js', APP);
  service = await signalr.start({
    accessKey,
    upstream: {
      get url() {
        return `${host.url}/runtime/webhooks/signalr`;
      },
    },
    log: (message) => serviceLog.push(message),
  });
  host = await startFunctionsHost({
    appDir: app.dir,
    port: 0,
    env: {},
    settingsOverrides: { AzureSignalRConnectionString: service.connectionString },
    services: runningServices({ signalR: service }),
    logger,
  });
});

afterAll(async () => {
  await signalr.dispose();
  await host?.close();
  app?.remove();
});

const connect = (userId: string): Promise<HubConnection> =>
  signalr.connect(service, accessKey, { hub: 'chat', userId });

/** Resolves with what the function saw once its invocation has finished. */
async function nextSeen(fn: string, trigger: () => Promise<unknown>): Promise<Seen> {
  const done = logger.next(executed(fn));
  const before = seen().length;
  await trigger();
  await done;
  const found = seen()
    .slice(before)
    .find((s) => s.fn === fn);
  if (!found) throw new Error(`${fn} ran but recorded nothing`);
  return found;
}

describe('signalRTrigger end to end (local SignalR service → host webhook → function)', () => {
  it('answers invoke() with the return value and hands the function the PascalCase invocation context', async () => {
    let connection: HubConnection | undefined;
    const connected = await nextSeen('onConnected', async () => (connection = await connect('alice')));
    const id = connection!.connectionId!;
    expect(connected.invocation).toMatchObject({
      Category: 'connections',
      Event: 'connected',
      Hub: 'chat',
      ConnectionId: id,
      UserId: 'alice',
      Arguments: null,
      Error: null,
    });

    const received = seen().length;
    await expect(connection!.invoke('echo', 'hi')).resolves.toEqual({ echoed: 'hi', by: 'alice' });
    const message = seen()
      .slice(received)
      .find((s) => s.fn === 'onMessage')!;
    expect(message.invocation).toMatchObject({
      Arguments: ['hi'],
      Category: 'messages',
      Event: 'echo',
      Hub: 'chat',
      ConnectionId: id,
      UserId: 'alice',
      Claims: expect.objectContaining({ nameid: 'alice' }),
      Query: expect.objectContaining({ hub: 'chat' }),
      Headers: expect.objectContaining({ 'x-asrs-connection-id': id }),
    });
    expect((message.invocation.Headers as Record<string, string>)['content-type']).toBeUndefined();
    expect(message.metadata).toMatchObject({ text: 'hi' });

    const disconnected = await nextSeen('onDisconnected', () => connection!.stop());
    expect(disconnected.invocation).toMatchObject({ Event: 'disconnected', ConnectionId: id, UserId: 'alice' });
  });

  it('completes invoke() with the function error when the function throws', async () => {
    const connection = await connect('bob');
    await expect(connection.invoke('echo', 'fail')).rejects.toThrow(/echo refused/);
    await connection.stop();
  });

  it('runs the function for send() (no invocationId) too', async () => {
    const connection = await connect('carol');
    const message = await nextSeen('onMessage', () => connection.send('echo', 'fire and forget'));
    expect(message.invocation.Arguments).toEqual(['fire and forget']);
    await connection.stop();
  });
});

describe('POST /runtime/webhooks/signalr answers as the extension does', () => {
  const connectionId = 'conn-1';
  const headers = (overrides: Record<string, string | undefined> = {}): Record<string, string> => {
    const all: Record<string, string | undefined> = {
      'Content-Type': 'application/json',
      'X-ASRS-Hub': 'chat',
      'X-ASRS-Category': 'messages',
      'X-ASRS-Event': 'echo',
      'X-ASRS-Connection-Id': connectionId,
      'X-ASRS-Signature': computeUpstreamSignature(connectionId, accessKey),
      ...overrides,
    };
    return Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined));
  };
  const invocation = (args: unknown[], target = 'echo') =>
    JSON.stringify({ type: 1, invocationId: '7', target, arguments: args }) + '\x1e';
  const post = (h: Record<string, string>, body = invocation(['x'])) =>
    fetch(`${host.url}/runtime/webhooks/signalr`, { method: 'POST', headers: h, body });

  it('returns a Completion record for an invocation with an id, matching hub/category/event ignoring case', async () => {
    const response = await post(headers({ 'X-ASRS-Hub': 'CHAT', 'X-ASRS-Event': 'Echo' }), invocation(['x'], 'Echo'));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(
      JSON.stringify({ type: 3, invocationId: '7', result: { echoed: 'x', by: null } }) + '\x1e',
    );
  });

  it('accepts any listed signature, compared ignoring case', async () => {
    const good = computeUpstreamSignature(connectionId, accessKey).toUpperCase().replace('SHA256', 'sha256');
    const bad = computeUpstreamSignature(connectionId, 'another key');
    expect((await post(headers({ 'X-ASRS-Signature': `${bad},${good}` }))).status).toBe(200);
  });

  it('401 when the signature does not match the access key', async () => {
    const wrong = computeUpstreamSignature(connectionId, 'not the key');
    expect((await post(headers({ 'X-ASRS-Signature': wrong }))).status).toBe(401);
    expect((await post(headers({ 'X-ASRS-Signature': undefined }))).status).toBe(401);
  });

  it('404 when no function handles the event', async () => {
    expect((await post(headers({ 'X-ASRS-Event': 'shout' }), invocation([], 'shout'))).status).toBe(404);
    expect((await post(headers({ 'X-ASRS-Hub': 'other' }))).status).toBe(404);
  });

  it('400 when X-ASRS-Hub, -Category or -Event is missing', async () => {
    for (const name of ['X-ASRS-Hub', 'X-ASRS-Category', 'X-ASRS-Event']) {
      expect((await post(headers({ [name]: undefined }))).status).toBe(400);
    }
  });

  it('415 for a body that is neither JSON nor MessagePack', async () => {
    expect((await post(headers({ 'Content-Type': 'text/plain' }))).status).toBe(415);
  });

  it('403 when the connected function fails, 200 when it succeeds', async () => {
    const connected = (userId: string) =>
      post(
        headers({ 'X-ASRS-Category': 'connections', 'X-ASRS-Event': 'connected', 'X-ASRS-User-Id': userId }),
        '{"type":10}',
      );
    expect((await connected('blocked')).status).toBe(403);
    expect((await connected('dave')).status).toBe(200);
  });

  it('fails the invocation when the argument count differs from parameterNames', async () => {
    const response = await post(headers(), invocation(['a', 'b']));
    expect(response.status).toBe(200);
    const completion = JSON.parse((await response.text()).replace('\x1e', '')) as { error?: string };
    expect(completion.error).toMatch(/expects 1 argument/);
  });

  it('passes the disconnect error to the function', async () => {
    const message = await nextSeen('onDisconnected', () =>
      post(
        headers({ 'X-ASRS-Category': 'connections', 'X-ASRS-Event': 'disconnected' }),
        '{"Type":11,"Error":"transport failed"}\x1e',
      ),
    );
    expect(message.invocation).toMatchObject({ Error: 'transport failed', ConnectionId: connectionId, UserId: null });
  });
});

describe('signalRTrigger registration', () => {
  it('stops start-up for a duplicated (hub, category, event) and for an unknown connections event', async () => {
    const { adapter } = createSignalRTriggerBinding();
    const hostStub = {
      invoke: () => Promise.reject(new Error('not invoked')),
      setting: (name: string) => (name === 'AzureSignalRConnectionString' ? service.connectionString : undefined),
      log: () => undefined,
    } as unknown as Parameters<NonNullable<typeof adapter.startTrigger>>[1];
    const fn = (name: string, event: string, category = 'messages') =>
      ({
        name,
        trigger: { name: 'trigger', type: 'signalRTrigger', direction: 'in', hubName: 'chat', category, event },
      }) as unknown as Parameters<NonNullable<typeof adapter.startTrigger>>[0];
    const first = await adapter.startTrigger!(fn('a', 'echo'), hostStub);
    await expect(adapter.startTrigger!(fn('b', 'ECHO'), hostStub)).rejects.toThrow(/duplicated signalRTrigger.*'a'/);
    await first.close();
    await expect(adapter.startTrigger!(fn('b', 'echo'), hostStub)).resolves.toBeDefined();
    await expect(adapter.startTrigger!(fn('c', 'joined', 'connections'), hostStub)).rejects.toThrow(
      /event 'joined' is not supported in connections/,
    );
  });
});
