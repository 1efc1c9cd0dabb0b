import { parseSignalRConnectionString, type SignalRConnectionSettings } from '../../../signalr/index.js';
import type { BindingInfo } from '../../core/functionIndex.js';
import type { BindingContext } from '../shared/bindingAdapter.js';

export const DEFAULT_SIGNALR_SETTING = 'AzureSignalRConnectionString';

/** The SignalR connection a binding names (`connectionStringSetting`), parsed, with errors naming the function. */
export function signalRConnection(binding: BindingInfo, ctx: BindingContext): SignalRConnectionSettings {
  const settingName =
    typeof binding.connectionStringSetting === 'string' && binding.connectionStringSetting !== ''
      ? binding.connectionStringSetting
      : DEFAULT_SIGNALR_SETTING;
  const value = ctx.setting(settingName);
  const where = `Function '${ctx.functionName}', binding '${binding.name}'`;
  if (!value) {
    const identity = ctx.setting(`${settingName}__serviceUri`);
    throw new Error(
      identity
        ? `${where}: identity-based SignalR connections (${settingName}__serviceUri) work only in Azure; locally set ${settingName} to a connection string.`
        : `${where}: the app setting '${settingName}' with the SignalR connection string is missing.`,
    );
  }
  try {
    return parseSignalRConnectionString(value);
  } catch (error) {
    throw new Error(`${where}: setting '${settingName}': ${(error as Error).message}`);
  }
}

export function hubName(binding: BindingInfo, ctx: BindingContext): string {
  if (typeof binding.hubName !== 'string' || binding.hubName === '') {
    throw new Error(`Function '${ctx.functionName}', binding '${binding.name}': hubName is required.`);
  }
  return binding.hubName;
}
