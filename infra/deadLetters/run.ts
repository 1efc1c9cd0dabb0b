import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTopology } from '../../local/servicebus/index.js';
import { connect, UsageError } from './connection.js';
import {
  entityName,
  listDeadLetters,
  purgeDeadLetters,
  resubmitDeadLetters,
  type DeadLetterSource,
  type DeadLetterSummary,
} from './deadLetters.js';

export const USAGE = `Usage: npm run deadletters -- <list | resubmit | purge> [options]

Works on the dead-letter queues of the local broker (npm start / npm run services) or of a real namespace.

  list       show the dead letters (nothing changes)
  resubmit   send each dead letter back to its queue or topic (new message id), then remove it
  purge      delete the dead letters (needs --yes)

Options:
  --entity <path>              a queue or <topic>/Subscriptions/<name>; repeatable
                               (default: every queue and subscription of servicebus.config.json)
  --max <n>                    at most this many messages per entity (default 1000)
  --connection-string <value>  connect with this connection string
  --namespace <name>           connect to <name>.servicebus.windows.net with @azure/identity
                               (az login, managed identity, environment credentials)
  --setting <name>             the app setting to read from local.settings.json (default ServiceBusConnection)
  --json                       print JSON instead of a table
  --yes                        confirm purge
  -h, --help                   show this help`;

export type Io = { out(text: string): void; err(text: string): void; cwd: string };

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        entity: { type: 'string', multiple: true },
        max: { type: 'string' },
        'connection-string': { type: 'string' },
        namespace: { type: 'string' },
        setting: { type: 'string', default: 'ServiceBusConnection' },
        json: { type: 'boolean', default: false },
        yes: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function source(path: string): DeadLetterSource {
  const parts = path.split('/');
  if (parts.length === 1 && parts[0]) return { queue: parts[0] };
  if (parts.length === 3 && parts[1]!.toLowerCase() === 'subscriptions' && parts[0] && parts[2]) {
    return { topic: parts[0], subscription: parts[2] };
  }
  throw new UsageError(`--entity "${path}" is neither a queue nor <topic>/Subscriptions/<subscription>.`);
}

function sources(entities: string[] | undefined, cwd: string): DeadLetterSource[] {
  if (entities) return entities.map(source);
  const topology = loadTopology(join(cwd, 'servicebus.config.json'));
  return [
    ...topology.queues.map((q) => ({ queue: q.name })),
    ...topology.topics.flatMap((t) => t.subscriptions.map((s) => ({ topic: t.name, subscription: s.name }))),
  ];
}

function maxOf(value: string | undefined): number {
  if (value === undefined) return 1000;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new UsageError(`--max must be a positive integer, got "${value}".`);
  return n;
}

function table(rows: DeadLetterSummary[]): string {
  if (rows.length === 0) return 'No dead letters.';
  const lines = rows.map(
    (r) =>
      `${r.entity}  #${r.sequenceNumber}  ${r.messageId}  ${r.enqueuedTimeUtc ?? ''}  delivered ${r.deliveryCount ?? '?'}×  ` +
      `${r.reason ?? '(no reason)'}${r.description ? `: ${r.description}` : ''}`,
  );
  return lines.join('\n');
}

/** The SDK gives up after its retries with an AggregateError of the attempts: say what the attempts met. */
function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map((e: unknown) => describeError(e)))].join('; ');
  }
  const { message, code } = error as { message?: string; code?: string };
  const text = message || code || String(error);
  return /ECONNREFUSED/.test(text) ? `${text} (is the broker running? npm start or npm run services)` : text;
}

/** Runs the command; resolves with the exit code (0 done, 1 failed, 2 bad usage). */
export async function runDeadLetters(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  try {
    return await execute(positionals, values, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    io.err(`deadletters failed: ${describeError(error)}`);
    return 1;
  }
}

type Values = ReturnType<typeof parse>['values'];

async function execute(positionals: string[], values: Values, io: Io): Promise<number> {
  const [command, ...extra] = positionals;
  if (!command || !['list', 'resubmit', 'purge'].includes(command) || extra.length > 0) {
    throw new UsageError(command ? `Unknown command "${[command, ...extra].join(' ')}".` : 'Name a command.');
  }
  if (command === 'purge' && !values.yes) {
    throw new UsageError('purge deletes dead letters for good: add --yes to confirm (see them first with list).');
  }
  const cwd = resolve(io.cwd);
  const targets = sources(values.entity, cwd);
  const max = maxOf(values.max);
  const { client, describe } = connect({
    connectionString: values['connection-string'],
    namespace: values.namespace,
    setting: values.setting!,
    cwd,
  });
  if (!values.json) io.err(`Service Bus: ${describe}`);
  try {
    const results: DeadLetterSummary[] = [];
    for (const target of targets) {
      if (command === 'list') results.push(...(await listDeadLetters(client, target, max)));
      else if (command === 'resubmit') results.push(...(await resubmitDeadLetters(client, target, max)));
      else {
        const purged = await purgeDeadLetters(client, target, max);
        io.out(
          values.json
            ? JSON.stringify({ entity: entityName(target), purged })
            : `${entityName(target)}: purged ${purged}`,
        );
      }
    }
    if (command !== 'purge') {
      io.out(values.json ? JSON.stringify(results, null, 2) : table(results));
      if (command === 'resubmit' && !values.json) io.out(`Resubmitted ${results.length}.`);
    }
    return 0;
  } finally {
    await client.close();
  }
}
