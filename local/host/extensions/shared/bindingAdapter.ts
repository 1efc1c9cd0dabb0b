import type { Clock } from '../../../shared/clock.js';
import type { RpcHttpData, RpcTypedData } from '../../../rpc/types.js';
import type { FunctionInfo, BindingInfo } from '../../core/functionIndex.js';
import type { InvocationResult, TriggerInvocation } from '../../core/invocation.js';
import type { LogEntry } from '../../core/logger.js';

/** What a binding adapter sees of one invocation. */
export type BindingContext = {
  functionName: string;
  invocationId: string;
  setting(name: string): string | undefined;
  log(entry: LogEntry): void;
  /** The HTTP response to write, set by the `http` output adapter. */
  httpResponse?: RpcHttpData;
};

/** What a trigger adapter gets from the host while its listener runs. */
export type TriggerHost = {
  invoke(functionName: string, invocation: TriggerInvocation): Promise<InvocationResult>;
  setting(name: string): string | undefined;
  clock: Clock;
  log(entry: LogEntry): void;
};

export type TriggerListener = { close(): Promise<void> };

/**
 * Support for one binding `type` (the string in the function's binding metadata). A trigger adapter without
 * `startTrigger` is dispatched by the host itself (httpTrigger); inputs need `bindInput`, outputs `applyOutput`.
 * Bindings passed to `bindInput`/`applyOutput` have their binding expressions already resolved.
 */
export interface BindingAdapter {
  readonly type: string;
  startTrigger?(fn: FunctionInfo, host: TriggerHost): Promise<TriggerListener>;
  /**
   * The trigger value for a run asked for through the admin API (`POST /admin/functions/{name}` `{"input"}`), as
   * the extension converts that input; without it the input is passed on as a string.
   */
  adminInvocation?(
    fn: FunctionInfo,
    input: string,
    setting: (name: string) => string | undefined,
  ): Promise<Pick<TriggerInvocation, 'triggerData' | 'triggerMetadata' | 'bindingData'>>;
  bindInput?(binding: BindingInfo, ctx: BindingContext): Promise<RpcTypedData | null | undefined>;
  applyOutput?(binding: BindingInfo, value: RpcTypedData, ctx: BindingContext): Promise<void>;
}
