import type { IncomingMessage, ServerResponse } from 'node:http';
import { verifyUpstreamSignature } from '../../../signalr/index.js';
import { toRpcMetadata, toRpcTypedData } from '../../codec/index.js';
import { resolveAppSettingTokens } from '../../core/bindingExpressions.js';
import type { BindingInfo, FunctionInfo } from '../../core/functionIndex.js';
import { BodyTooLargeError, DEFAULT_BODY_LIMIT, readBody } from '../../http/readBody.js';
import { sendProblem } from '../../../shared/problemJson.js';
import type { BindingAdapter, TriggerHost } from '../shared/bindingAdapter.js';
import { signalRConnection } from './connection.js';
import {
  closeError,
  completionRecord,
  dispatchKey,
  fromReturnValue,
  invocationContext,
  invocationMessage,
  JSON_CONTENT_TYPE,
  mediaType,
  MESSAGEPACK_CONTENT_TYPE,
  SignalRTriggerError,
  type DispatchKey,
  type SignalRInvocationContext,
} from './triggerRequest.js';

/** The trigger's adapter, and the webhook Azure SignalR Service upstream posts serverless events to. */
export type SignalRTriggerBinding = {
  adapter: BindingAdapter;
  webhook(req: IncomingMessage, res: ServerResponse): Promise<void>;
};

type Registration = {
  functionName: string;
  parameterNames: string[];
  accessKeys: string[];
  host: TriggerHost;
};

type Outcome = { status: number; body?: string; headers?: Record<string, string> };

const keyOf = (key: DispatchKey): string => [key.hub, key.category, key.event].map((s) => s.toLowerCase()).join('\n');

function text(trigger: BindingInfo, property: string, fn: FunctionInfo, host: TriggerHost): string {
  const value = trigger[property];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(`Function '${fn.name}': a signalRTrigger needs '${property}'.`);
  }
  return resolveAppSettingTokens(value, host.setting);
}

function parameterNames(trigger: BindingInfo, fn: FunctionInfo): string[] {
  const names = trigger.parameterNames ?? [];
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string' || n === '')) {
    throw new Error(`Function '${fn.name}': signalRTrigger parameterNames must be an array of names.`);
  }
  return names as string[];
}

/** The dispatch key of one function, checked as the extension's dispatcher checks it when mapping. */
function registrationKey(fn: FunctionInfo, host: TriggerHost): DispatchKey {
  const key = {
    hub: text(fn.trigger, 'hubName', fn, host),
    category: text(fn.trigger, 'category', fn, host),
    event: text(fn.trigger, 'event', fn, host),
  };
  const category = key.category.toLowerCase();
  if (category === 'connections') {
    if (!['connected', 'disconnected'].includes(key.event.toLowerCase())) {
      throw new Error(`Function '${fn.name}': event '${key.event}' is not supported in connections.`);
    }
  } else if (category !== 'messages') {
    throw new Error(`Function '${fn.name}': category '${key.category}' is not supported (connections, messages).`);
  }
  return key;
}

/**
 * `signalRTrigger`: each function's (hub, category, event) is mapped into a dispatcher, and the webhook answers
 * `POST /runtime/webhooks/signalr` from Azure SignalR Service upstream (or the local stand-in) as the Functions
 * extension does: signature check, one invocation per event, and a Completion for `invoke()` calls.
 */
export function createSignalRTriggerBinding(): SignalRTriggerBinding {
  const registrations = new Map<string, Registration>();

  const adapter: BindingAdapter = {
    type: 'signalRTrigger',
    async startTrigger(fn, host) {
      const key = registrationKey(fn, host);
      const names = parameterNames(fn.trigger, fn);
      // Like the extension, the access key is read once, when the listener starts.
      const connection = signalRConnection(fn.trigger, {
        functionName: fn.name,
        invocationId: '',
        setting: host.setting,
        log: (entry) => host.log(entry),
      });
      const mapKey = keyOf(key);
      const existing = registrations.get(mapKey);
      if (existing) {
        throw new Error(
          `Function '${fn.name}': duplicated signalRTrigger for hub '${key.hub}', category '${key.category}', ` +
            `event '${key.event}' (also handled by '${existing.functionName}').`,
        );
      }
      const registration = { functionName: fn.name, parameterNames: names, accessKeys: [connection.accessKey], host };
      registrations.set(mapKey, registration);
      return {
        close: async () => {
          if (registrations.get(mapKey) === registration) registrations.delete(mapKey);
        },
      };
    },
  };

  return {
    adapter,
    webhook: async (req, res) => {
      if (req.method === 'POST') reply(res, await dispatch(req, registrations));
      else reply(res, { status: 405, body: 'The SignalR webhook takes POST only.', headers: { Allow: 'POST' } });
    },
  };
}

async function dispatch(req: IncomingMessage, registrations: Map<string, Registration>): Promise<Outcome> {
  const contentType = mediaType(req);
  if (contentType !== JSON_CONTENT_TYPE && contentType !== MESSAGEPACK_CONTENT_TYPE) {
    return { status: 415, body: `The body must be ${JSON_CONTENT_TYPE} or ${MESSAGEPACK_CONTENT_TYPE}.` };
  }
  const key = dispatchKey(req);
  if (!key) return { status: 400, body: 'X-ASRS-Hub, X-ASRS-Category and X-ASRS-Event headers are required.' };
  const registration = registrations.get(keyOf(key));
  if (!registration)
    return { status: 404, body: `No signalRTrigger function handles hub '${key.hub}', ${key.category}/${key.event}.` };
  // The signature comes first: nothing of an unsigned request is parsed or run.
  const signature = req.headers['x-asrs-signature'];
  const connectionId = req.headers['x-asrs-connection-id'];
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  if (!verifyUpstreamSignature(first(signature), first(connectionId) ?? '', registration.accessKeys)) {
    return { status: 401, body: 'The X-ASRS-Signature does not match the access key of the connection.' };
  }
  try {
    const body = await readBody(req, DEFAULT_BODY_LIMIT);
    return await execute(registration, req, key, body, contentType);
  } catch (error) {
    if (error instanceof SignalRTriggerError) return { status: error.status, body: error.message };
    if (error instanceof BodyTooLargeError) return { status: 413, body: error.message };
    return { status: 500, body: (error as Error).message };
  }
}

async function execute(
  registration: Registration,
  req: IncomingMessage,
  key: DispatchKey,
  body: Buffer,
  contentType: string,
): Promise<Outcome> {
  const context = invocationContext(req, key);
  const category = key.category.toLowerCase();
  let invocationId: string | undefined;
  if (category === 'messages') {
    const message = invocationMessage(body, contentType, key.event);
    context.Arguments = message.arguments;
    invocationId = message.invocationId;
  } else if (key.event.toLowerCase() === 'disconnected') {
    context.Error = closeError(body, contentType);
  }
  const outcome = await invoke(registration, context);
  if (category === 'connections') {
    // A failed `connected` function answers 403 (the service logs it as Forbidden); disconnects always succeed.
    if (outcome.succeeded || key.event.toLowerCase() === 'disconnected') return { status: 200 };
    return { status: 403, body: `The ${registration.functionName} function refused the connection.` };
  }
  if (invocationId === undefined) return { status: 200 };
  return {
    status: 200,
    body: completionRecord(
      invocationId,
      outcome.succeeded ? { result: outcome.result } : { error: outcome.error.message },
    ),
  };
}

type FunctionOutcome = { succeeded: true; result: unknown } | { succeeded: false; error: Error };

async function invoke(registration: Registration, context: SignalRInvocationContext): Promise<FunctionOutcome> {
  const { functionName, parameterNames: names, host } = registration;
  // The extension binds parameterNames to the arguments in order, and only when the counts agree.
  if (names.length > 0 && (context.Arguments?.length ?? 0) !== names.length) {
    const error = new Error(
      `The function '${functionName}' expects ${names.length} argument(s) (parameterNames) but the ` +
        `invocation has ${context.Arguments?.length ?? 0}.`,
    );
    host.log({ level: 'error', category: `Function.${functionName}`, message: error.message });
    return { succeeded: false, error };
  }
  const bindingData: Record<string, unknown> = {};
  names.forEach((name, i) => (bindingData[name] = context.Arguments![i]));
  const result = await host.invoke(functionName, {
    triggerData: toRpcTypedData(context) ?? {},
    triggerMetadata: toRpcMetadata(bindingData),
    bindingData,
    reason: '(null)',
  });
  return result.succeeded
    ? { succeeded: true, result: fromReturnValue(result.returnValue) }
    : { succeeded: false, error: result.error };
}

function reply(res: ServerResponse, outcome: Outcome): void {
  if (outcome.status !== 200) {
    // Errors are problem+json, as everywhere in the local host; the service only logs their status.
    sendProblem(res, { status: outcome.status, detail: outcome.body ?? '', headers: outcome.headers });
    return;
  }
  const body = outcome.body ?? '';
  res.statusCode = 200;
  // The extension's Completion body carries no Content-Type.
  res.setHeader('content-length', String(Buffer.byteLength(body)));
  res.end(body);
}
