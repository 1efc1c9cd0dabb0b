import { describe, expect, it } from 'vitest';
import { runDeadLetters } from '../../infra/deadLetters/run.js';
import { emulatorConnectionString, useEndpoint, type Endpoint } from '../servicebus/amqp/helpers.js';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDeadLetters(argv, { out: (t) => out.push(t), err: (t) => err.push(t), cwd: process.cwd() });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function deadLetter(endpoint: Endpoint, bodies: string[]) {
  const sb = endpoint.client();
  await sb.createSender('jobs').sendMessages(bodies.map((body) => ({ body, messageId: `id-${body}` })));
  const receiver = sb.createReceiver('jobs');
  for (const message of await receiver.receiveMessages(bodies.length, { maxWaitTimeInMs: 2000 })) {
    await receiver.deadLetterMessage(message, {
      deadLetterReason: 'Bad',
      deadLetterErrorDescription: `no ${message.body}`,
    });
  }
  await sb.close();
}

// npm run deadletters against the local broker's AMQP endpoint, with the real SDK (as against a namespace).
describe('npm run deadletters', () => {
  const endpoint = useEndpoint();

  it('lists dead letters without changing them, as a table or JSON', async () => {
    const e = await endpoint();
    await deadLetter(e, ['a', 'b']);
    const target = ['--entity', 'jobs', '--connection-string', e.connectionString];
    const table = await run(['list', ...target]);
    expect(table.code).toBe(0);
    expect(table.err).toBe(`Service Bus: sb://localhost:${e.server.port} (--connection-string)`);
    expect(table.out.split('\n')).toEqual([
      expect.stringMatching(/^jobs {2}#1 {2}id-a {2}\S+ {2}delivered 1× {2}Bad: no a$/),
      expect.stringMatching(/^jobs {2}#2 {2}id-b /),
    ]);
    const json = await run(['list', ...target, '--json']);
    expect(JSON.parse(json.out)).toEqual([
      expect.objectContaining({ entity: 'jobs', messageId: 'id-a', reason: 'Bad', description: 'no a' }),
      expect.objectContaining({ messageId: 'id-b' }),
    ]);
    expect(e.broker.stats()[1]).toMatchObject({ path: 'jobs/$DeadLetterQueue', active: 2, locked: 0 });
  });

  it('resubmits to the source entity with a new message id, then removes the dead letter', async () => {
    const e = await endpoint();
    await deadLetter(e, ['c']);
    const result = await run(['resubmit', '--entity', 'jobs', '--connection-string', e.connectionString]);
    expect(result).toMatchObject({ code: 0, out: expect.stringContaining('Resubmitted 1.') });
    expect(e.broker.peek('jobs/$DeadLetterQueue', 5)).toEqual([]);
    const [again] = e.broker.peek('jobs', 5);
    expect(again!.messageId).not.toBe('id-c');
    expect(again!.applicationProperties).toEqual({ OriginalMessageId: 'id-c' });
    expect(again!.body).toEqual(Buffer.from(JSON.stringify('c')));
  });

  it('purges only with --yes', async () => {
    const e = await endpoint();
    await deadLetter(e, ['d', 'e']);
    const target = ['--entity', 'jobs', '--connection-string', e.connectionString];
    const refused = await run(['purge', ...target]);
    expect(refused).toMatchObject({ code: 2, err: expect.stringContaining('add --yes to confirm') });
    expect(e.broker.peek('jobs/$DeadLetterQueue', 5)).toHaveLength(2);
    expect(await run(['purge', ...target, '--yes'])).toMatchObject({ code: 0, out: 'jobs: purged 2' });
    expect(e.broker.peek('jobs/$DeadLetterQueue', 5)).toEqual([]);
  });

  it('reads every subscription of servicebus.config.json by default, and says clearly what is wrong', async () => {
    const e = await endpoint();
    // The repository's topology names orders/Subscriptions/order-processor, which this test broker lacks.
    const missing = await run(['list', '--connection-string', e.connectionString]);
    expect(missing).toMatchObject({ code: 1, err: expect.stringContaining('could not be found') });
    expect(await run(['frobnicate'])).toMatchObject({ code: 2, err: expect.stringContaining('Unknown command') });
    expect(await run(['list', '--entity', 'a/b'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('neither a queue'),
    });
    expect(await run(['list', '--max', '0'])).toMatchObject({ code: 2, err: expect.stringContaining('--max') });
    const wrongKey = await run([
      'list',
      '--entity',
      'jobs',
      '--connection-string',
      emulatorConnectionString(e.server.port, 'bm9wZQ=='),
    ]);
    expect(wrongKey).toMatchObject({ code: 1, err: expect.stringContaining('not signed with the key') });
  });
});
