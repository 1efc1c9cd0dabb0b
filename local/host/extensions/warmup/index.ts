import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import { sendProblem } from '../../../shared/problemJson.js';
import { toRpcTypedData } from '../../codec/index.js';
import type { FunctionInfo } from '../../core/functionIndex.js';
import type { TriggerInvocation } from '../../core/invocation.js';
import { ADMIN_INVOKE_REASON, type AdminEndpoint } from '../../http/admin.js';
import { hostProblems } from '../../http/hostProblems.js';
import { requestParent } from '../../http/requestTelemetry.js';
import type { TriggerHost } from '../shared/bindingAdapter.js';
import { defineExtension } from '../shared/extension.js';
import { parseSection } from '../shared/hostJsonSection.js';

/** The function `/admin/warmup` runs: named `warmup` in any case, as the host's check has it. */
const WARMUP_FUNCTION = 'warmup';

/**
 * The trigger value: an empty WarmupContext. Its binding yields no value of its own, so the host converts the
 * context with the extension's converter to a JSON object, `{}`, whatever an admin run's input was.
 */
const warmupContext = (): Pick<TriggerInvocation, 'triggerData'> => ({ triggerData: toRpcTypedData({})! });

/**
 * `/admin/warmup`, any method, anonymous (the host asks no key of a warmup function): runs the warmup function
 * once and answers 200, or as a failed HTTP invocation is answered; later requests, and any when the app has no
 * warmup function, answer 200 and run nothing.
 */
function warmupEndpoint(target: () => { fn: FunctionInfo; host: TriggerHost } | undefined): AdminEndpoint {
  let warmed = false;
  return {
    anonymous: true,
    async handle(req: IncomingMessage, res: ServerResponse) {
      const warmup = warmed ? undefined : target();
      warmed = true;
      if (warmup) {
        const { fn, host } = warmup;
        const result = await host.invoke(fn.name, {
          ...warmupContext(),
          reason: ADMIN_INVOKE_REASON,
          parent: requestParent(host.telemetry, req),
        });
        // The invoker has logged the failure, as for any invocation.
        if (!result.succeeded) {
          return sendProblem(res, hostProblems.invocationFailed(fn.name, result.invocationId, result.error));
        }
      }
      res.writeHead(200, { 'content-length': 0, 'cache-control': 'no-store' }).end();
    },
  };
}

/**
 * `warmupTrigger`, built into the Functions host: a listener that never fires, a function named `warmup` run by
 * `/admin/warmup`, and any warmup function run by `POST /admin/functions/{name}`. Azure runs the warmup function
 * at most once per process; here once per load of the app (this instance), since each reload starts new workers
 * to warm, and so an edited warmup function can be tried again.
 */
export const warmupExtension = defineExtension({
  name: 'warmup',
  bindingTypes: ['warmupTrigger'],
  // The Warmup extension has no host.json settings: any key here is a mistake worth stopping for.
  parseOptions: (section, where) => parseSection(z.strictObject({}), section, where),
  // `/admin/warmup` answers also when the app has no warmup function, as in Azure.
  startAlways: true,
  start() {
    let warmup: { fn: FunctionInfo; host: TriggerHost } | undefined;
    return {
      bindings: [
        {
          type: 'warmupTrigger',
          async startTrigger(fn, host) {
            if (fn.name.toLowerCase() === WARMUP_FUNCTION) warmup = { fn, host };
            return { close: async () => undefined };
          },
          adminInvocation: async () => warmupContext(),
        },
      ],
      admin: warmupEndpoint(() => warmup),
    };
  },
});
