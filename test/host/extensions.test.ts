import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { toRpcTypedData, textOf, fromRpcTypedData } from '../../local/host/codec/index.js';
import { parseSection, text } from '../../local/host/extensions/shared/hostJsonSection.js';
import {
  builtInExtensions,
  defineExtension,
  runningServices,
  startFunctionsHost,
  type FunctionsHost,
  type LocalServices,
} from '../../local/host/index.js';
import { readBody } from '../../local/host/http/readBody.js';
import { CaptureLogger } from './helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from './helpers/fixtureApp.js';

/** The service the extension below needs: where pinned notes go (the stack would start such a thing). */
type NoteBoard = { pinned: string[] };

/**
 * A whole extension, added through the registry alone: its own host.json section, a local service, a trigger
 * fired through its webhook, an output, and an input that hands over its binding's `value`.
 */
const notesExtension = defineExtension({
  name: 'notes',
  bindingTypes: ['noteTrigger', 'note', 'typed'],
  services: ['noteBoard'],
  parseOptions: (section, where) => parseSection(z.strictObject({ prefix: text.optional() }), section, where),
  start({ options, service }) {
    const board = service<NoteBoard>('noteBoard');
    const listeners = new Map<string, (text: string) => Promise<boolean>>();
    return {
      bindings: [
        {
          type: 'noteTrigger',
          async startTrigger(fn, host) {
            listeners.set(fn.name, async (note) => {
              const result = await host.invoke(fn.name, { triggerData: { string: note }, reason: 'New note' });
              return result.succeeded;
            });
            return { close: async () => void listeners.delete(fn.name) };
          },
        },
        {
          type: 'note',
          async applyOutput(_binding, value) {
            board.pinned.push(`${options.prefix ?? ''}${textOf(fromRpcTypedData(value))}`);
          },
        },
        { type: 'typed', bindInput: async (binding) => toRpcTypedData(binding.value) },
      ],
      async webhook(req, res) {
        const note = (await readBody(req, 1024)).toString('utf8');
        const results = await Promise.all([...listeners.values()].map((fire) => fire(note)));
        res.writeHead(results.every(Boolean) ? 202 : 500).end();
      },
    };
  },
});

const board: NoteBoard = { pinned: [] };
let app: FixtureApp;
let host: FunctionsHost;
const logger = new CaptureLogger();

/** A host with the notes extension registered on `appDir`, with `services` running next to it. */
const startNotesHost = (appDir: string, services?: LocalServices): Promise<FunctionsHost> =>
  startFunctionsHost({
    appDir,
    port: 0,
    env: {},
    logger,
    extensions: [...builtInExtensions, notesExtension],
    services,
  });

/** Expects the host to refuse to start on `candidate` (without the note board) with `message`; removes the copy. */
async function expectStartRefused(candidate: FixtureApp, message: string): Promise<void> {
  try {
    await expect(startNotesHost(candidate.dir)).rejects.toThrow(message);
  } finally {
    candidate.remove();
  }
}

beforeAll(async () => {
  app = copyFixture('notes-app');
  host = await startNotesHost(app.dir, runningServices({ noteBoard: board }));
});

afterAll(async () => {
  await host?.close();
  app?.remove();
});

describe('an extension added through the registry alone', () => {
  it('gets its host.json section, its service, its webhook, a trigger listener and an output', async () => {
    const res = await fetch(`${host.url}/runtime/webhooks/notes`, { method: 'POST', body: 'buy milk' });
    expect(res.status).toBe(202);
    expect(board.pinned).toEqual(['note: buy milk (seen by onNote)']);
  });

  it('hands input values over through the codec as the library then decodes them', async () => {
    const seen = await (await fetch(`${host.url}/api/typed`)).json();
    expect(seen).toEqual({
      text: { type: 'string', value: 'plain text' },
      // The library JSON-parses every string it can: a numeric text arrives as a number, as in Azure.
      numberText: { type: 'number', value: 123 },
      object: { type: 'object', value: { a: 1 } },
      number: { type: 'number', value: 42 },
      list: { type: 'array', value: ['x', 'y'] },
    });
  });

  it('refuses an unknown key in its section at start-up, naming it', async () => {
    const bad = copyFixture('notes-app');
    bad.write('host.json', JSON.stringify({ version: '2.0', extensions: { notes: { prefx: '>' } } }));
    await expectStartRefused(bad, "host.json: 'extensions.notes' has unknown setting(s) 'prefx' (known: prefix).");
  });

  it('says what is missing when the host runs without the service the extension needs', async () => {
    await expectStartRefused(copyFixture('notes-app'), "The app's bindings need the local service(s) noteBoard");
  });
});
