import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FunctionInfo } from '../host/index.js';
import { ServiceBusError, type ServiceBusBroker } from '../servicebus/index.js';
import { hasMasterKey } from '../shared/masterKey.js';
import { sendProblem } from '../shared/problemJson.js';
import type { SignalRService } from '../signalr/index.js';
import type { Telemetry } from '../telemetry/index.js';
import { ACTION_NAMES, runAction, type ActionName } from './actions.js';
import { functionsView } from './functionsView.js';
import { streamLiveEvents } from './liveEvents.js';
import { LocalProblemError, localProblems } from './localProblems.js';
import { isPageFile, servePageFile } from './pageFiles.js';
import { peekMessages, serviceBusEntities } from './servicebusView.js';
import { StorageView } from './storageView.js';

export type InspectorDeps = {
  telemetry: Telemetry;
  broker: ServiceBusBroker;
  /** The SignalR service running now (it is replaced when it restarts). */
  signalr(): SignalRService;
  /** The app's functions (none until the host has started). */
  functions(): readonly FunctionInfo[];
  /** Where the stack's table storage (Azurite) answers. */
  tableConnectionString: string;
  /** What every action needs in `x-functions-key`. */
  masterKey: string;
};

type Call = { req: IncomingMessage; res: ServerResponse; url: URL; deps: InspectorDeps; storage: StorageView };

const MAX_ACTION_BODY = 300 * 1024;

function sendJson(res: ServerResponse, body: unknown, status = 200): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': data.length,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(res.req?.method === 'HEAD' ? undefined : data);
}

function requiredQuery(url: URL, name: string): string {
  const value = url.searchParams.get(name);
  if (!value) throw new LocalProblemError(localProblems.badField(name, 'is required'));
  return value;
}

/** Read-only views, by path under `/_local`. */
const VIEWS = new Map<string, (call: Call) => Promise<void> | void>([
  ['/api/events', ({ req, res, deps }) => streamLiveEvents(req, res, deps.telemetry.store)],
  [
    '/api/traces',
    ({ res, deps }) =>
      sendJson(res, { traces: deps.telemetry.store.traces(), looseLogs: deps.telemetry.store.looseLogs() }),
  ],
  ['/api/functions', ({ res, deps }) => sendJson(res, { functions: functionsView(deps.functions()) })],
  ['/api/servicebus', ({ res, deps }) => sendJson(res, serviceBusEntities(deps.broker))],
  [
    '/api/servicebus/messages',
    ({ res, url, deps }) => {
      const max = Math.min(Math.max(Number(url.searchParams.get('max') ?? 50) || 50, 1), 200);
      sendJson(res, { messages: peekMessages(deps.broker, requiredQuery(url, 'entity'), max) });
    },
  ],
  ['/api/signalr', ({ res, deps }) => sendJson(res, { connections: deps.signalr().connections() })],
  ['/api/storage/tables', async ({ res, storage }) => sendJson(res, { tables: await storage.tables() })],
  [
    '/api/storage/entities',
    async ({ res, url, storage }) => {
      const top = Number(url.searchParams.get('top') ?? 100) || 100;
      sendJson(res, await storage.entities(requiredQuery(url, 'table'), top));
    },
  ],
]);

const ACTIONS = new Map<string, ActionName>(ACTION_NAMES.map((name) => [`/api/servicebus/${name}`, name]));

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_ACTION_BODY) throw new LocalProblemError(localProblems.tooLarge(MAX_ACTION_BODY));
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new LocalProblemError(localProblems.badField('body', 'is not valid JSON'));
  }
}

/**
 * An action changes state: it needs the master key, and a JSON body — which a form on another site cannot send
 * without a CORS preflight, which /_local never grants (the same-origin check has run before).
 */
async function act(call: Call, action: ActionName): Promise<void> {
  const { req, res, deps } = call;
  if (!hasMasterKey(req, deps.masterKey)) return sendProblem(res, localProblems.masterKeyRequired());
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
    return sendProblem(res, localProblems.notJson());
  const result = await runAction(action, await readJson(req), deps);
  if ('problem' in result) sendProblem(res, result.problem);
  else sendJson(res, result.body, result.status);
}

/** Answers the inspector's part of `/_local` (the page, its views and actions); false for any other path. */
export function createInspector(deps: InspectorDeps) {
  const storage = new StorageView(deps.tableConnectionString);
  return async (req: IncomingMessage, res: ServerResponse, url: URL, path: string): Promise<boolean> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const view = VIEWS.get(path);
    const action = ACTIONS.get(path);
    const page = isPageFile(path);
    if (!view && !action && !page) return false;
    const allowed = action ? ['POST'] : ['GET', 'HEAD'];
    if (!allowed.includes(method)) {
      sendProblem(res, localProblems.methodNotAllowed(method, url.pathname, allowed));
      return true;
    }
    const call = { req, res, url, deps, storage };
    try {
      if (action) await act(call, action);
      else if (view) await view(call);
      else if (!(await servePageFile(res, path, method === 'HEAD'))) {
        sendProblem(res, localProblems.unavailable('The inspector page', 'it is not built; run npm run build'));
      }
    } catch (error) {
      if (error instanceof LocalProblemError) sendProblem(res, error.problem);
      else if (error instanceof ServiceBusError && error.code === 'MessagingEntityNotFound') {
        sendProblem(res, localProblems.unknownEntity(url.searchParams.get('entity') ?? ''));
      } else throw error;
    }
    return true;
  };
}

export type InspectorHandler = ReturnType<typeof createInspector>;
