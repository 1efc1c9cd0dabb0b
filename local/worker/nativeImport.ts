import { register } from 'node:module';
import vm from 'node:vm';
import { MessageChannel, type MessagePort } from 'node:worker_threads';

/**
 * `import()` through Node's own ESM loader, as the worker's `eval('import(url)')` does. A plain `import()` here
 * would be rewritten by bundlers and test runners (vitest), which would then load the app through their module
 * system instead of Node's.
 */
export const nativeImport = new vm.Script('(specifier) => import(specifier)', {
  importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
}).runInThisContext() as (specifier: string) => Promise<unknown>;

// Node 20/22 flag that constant as experimental the first time an import goes through it; the host relies on it
// knowingly, so only that one warning is kept off the console.
const emitWarning = process.emitWarning;
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (String(warning).includes('USE_MAIN_CONTEXT_DEFAULT_LOADER')) return;
  (emitWarning as (w: string | Error, ...r: unknown[]) => void).call(process, warning, ...rest);
}) as typeof process.emitWarning;

// A module resolve hook (runs on Node's loader thread) that tags every file under a reloadable root with its
// generation, so a hot reload re-evaluates the app's whole module graph, not only its entry files.
const HOOK_SOURCE = `
const roots = new Map();
export function initialize({ port }) {
  port.on('message', ({ root, generation, id }) => { roots.set(root, generation); port.postMessage(id); });
  port.unref();
}
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (!result.url.startsWith('file:') || result.url.includes('/node_modules/')) return result;
  const url = result.url.split('?')[0];
  for (const [root, generation] of roots) {
    if (generation > 0 && url.startsWith(root)) return { ...result, url: url + '?generation=' + generation };
  }
  return result;
}`;

let port: MessagePort | undefined;
let nextMessageId = 1;

/** Makes later imports of files under `rootUrl` (a file: URL ending in '/') resolve to a fresh generation. */
export async function setModuleGeneration(rootUrl: string, generation: number): Promise<void> {
  // Generation 0 resolves as plain files; the hooks thread (tens of ms to start) is needed from the first reload.
  if (!port && generation === 0) return;
  if (!port) {
    const channel = new MessageChannel();
    register(`data:text/javascript,${encodeURIComponent(HOOK_SOURCE)}`, {
      data: { port: channel.port2 },
      transferList: [channel.port2],
    });
    port = channel.port1;
    port.unref();
  }
  const id = nextMessageId++;
  const answered = new Promise<void>((resolve) => {
    const onMessage = (answer: number): void => {
      if (answer !== id) return;
      port?.off('message', onMessage);
      resolve();
    };
    port?.on('message', onMessage);
  });
  port.postMessage({ root: rootUrl, generation, id });
  await answered;
}
