import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RpcHttpData, RpcTypedData } from '../../rpc/types.js';
import type { BindingData } from './bindingExpressions.js';

/** One trigger firing, as a trigger adapter (or the HTTP pipeline) hands it to the host. */
export type TriggerInvocation = {
  /** The trigger binding's value, as the extension would send it to the worker. */
  triggerData: RpcTypedData;
  triggerMetadata?: Record<string, RpcTypedData>;
  /** Values for `{expressions}` in the other bindings (case-insensitive keys, dotted paths). */
  bindingData?: BindingData;
  /** The `Reason='...'` of the Executing line. */
  reason: string;
  /** Extra lines logged after Executing (e.g. Service Bus "Trigger Details"). */
  details?: string;
  /** The `input` of an admin-API run: the trigger's extension turns it into its trigger value, if it can. */
  adminInput?: string;
  /** An HTTP request to stream to the worker (HTTP streaming): its response is written by the worker. */
  stream?: { req: IncomingMessage; res: ServerResponse; extraHeaders: Readonly<Record<string, string>> };
};

export type InvocationResult =
  | {
      invocationId: string;
      succeeded: true;
      httpResponse: RpcHttpData | undefined;
      /** The worker's return value (a trigger such as signalRTrigger turns it into its reply). */
      returnValue: RpcTypedData | null | undefined;
    }
  | { invocationId: string; succeeded: false; error: Error };
