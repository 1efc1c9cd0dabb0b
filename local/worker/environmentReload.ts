import type { FunctionEnvironmentReloadRequest } from '../rpc/messages.js';
import { failure, SUCCESS } from '../rpc/messages.js';
import type { RpcStatusResult } from '../rpc/types.js';

/**
 * Specialises a placeholder worker, as the Node worker does on FunctionEnvironmentReloadRequest: the app's
 * settings replace the whole environment and its folder becomes the working directory, before the app loads.
 * The local host sends it only to a worker that has loaded no app; Azure's worker would reload the app, this one
 * refuses, so an app never runs with settings it did not load under.
 */
export function reloadEnvironment(request: FunctionEnvironmentReloadRequest, appLoaded: boolean): RpcStatusResult {
  if (appLoaded) return failure(new Error('The worker has loaded the app already; start a new worker instead.'));
  try {
    process.chdir(request.functionAppDirectory);
  } catch (error) {
    return failure(error);
  }
  const next = request.environmentVariables;
  for (const name of Object.keys(process.env)) if (!Object.hasOwn(next, name)) delete process.env[name];
  Object.assign(process.env, next);
  return SUCCESS;
}
