import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectHeaders, collectQuery, toRpcHttpRequest } from '../../local/host/http/toRpcHttpRequest.js';
import { writeHttpResponse } from '../../local/host/http/writeHttpResponse.js';
import { readAppPackage } from '../../local/shared/appPackage.js';
import { startApp } from '../../local/worker/appStartup.js';
import { installCoreModule } from '../../local/worker/core/coreModule.js';
import { handleInvocation } from '../../local/worker/invocationHandler.js';

/**
 * The ceiling of figure 1: what a host with no cost of its own would serve. The app's one function runs through
 * the real @azure/functions library exactly as in a worker (core module, invocation pipeline, hooks), but in the
 * same process as the HTTP server, with the request and response converted as the host converts them — no
 * routing, no IPC, no second process.
 */
export async function libraryHandler(appDir: string): Promise<(req: IncomingMessage, res: ServerResponse) => void> {
  const registry = installCoreModule();
  registry.hostVersion = 'bench';
  const hookData = { appHookData: {}, appLevelOnly: {} };
  await startApp({ appDir, pkg: readAppPackage(appDir).pkg, registry, hookData });
  const [fn] = registry.functions.values();
  if (!fn) throw new Error(`The app in ${appDir} registered no function.`);
  const trigger = Object.entries(fn.metadata.bindings).find(([, b]) => /trigger$/i.test(b.type ?? ''))![0];
  const deps = { registry, appHookData: hookData.appHookData, sendLog: () => undefined };
  let next = 0;
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const http = toRpcHttpRequest({
      req,
      url,
      headers: collectHeaders(req, req.headers),
      query: collectQuery(url.searchParams),
      params: {},
      body: undefined,
    });
    const request = {
      invocationId: String(next++),
      functionId: fn.functionId,
      inputData: [{ name: trigger, data: { http } }],
    };
    void handleInvocation(deps, { ...request, triggerMetadata: {} }).then((response) =>
      writeHttpResponse(res, response.returnValue?.http ?? undefined),
    );
  };
}
