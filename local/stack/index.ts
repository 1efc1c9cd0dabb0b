export {
  startLocalServices,
  startLocalStack,
  type LocalServices,
  type LocalStack,
  type LocalStackOptions,
} from './startLocalStack.js';
export { checkScriptRoot, ScriptRootError } from './scriptRoot.js';
export { bannerLines } from './banner.js';
export type { StartedService } from './services/stackServices.js';
export type { StackServiceName } from './services/servicePlan.js';
