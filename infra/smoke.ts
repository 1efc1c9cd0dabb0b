import { functionAppUrl, type DeployContext } from './context.js';
import { DeployError } from './deployError.js';

/** Answers the status of an unauthenticated GET without following redirects. */
export type HttpStatusProbe = (url: string) => Promise<number>;

export const fetchStatus: HttpStatusProbe = async (url) => {
  const response = await fetch(url, { redirect: 'manual' });
  await response.body?.cancel();
  return response.status;
};

const ATTEMPTS = 10;
const RETRY_MS = 15_000;

/** The functions are listed (a wrong `main` would leave none) and the API refuses anonymous calls with 401. */
export async function smokeCheck(ctx: DeployContext, httpStatus: HttpStatusProbe): Promise<string[]> {
  const { az, names } = ctx;
  ctx.step('Smoke check');
  let functions: string[] = [];
  for (let attempt = 1; attempt <= ATTEMPTS && functions.length === 0; attempt++) {
    if (attempt > 1) await ctx.sleep(RETRY_MS);
    const listed = await az.json<string[]>(
      [
        'functionapp',
        'function',
        'list',
        '--resource-group',
        names.resourceGroup,
        '--name',
        names.functionApp,
        '--query',
        '[].name',
      ],
      ['<functions>'],
    );
    // Names come back as "<app>/<function>".
    functions = listed.map((name) => name.slice(name.indexOf('/') + 1));
  }
  if (functions.length === 0) {
    throw new DeployError(
      'The Function App lists no functions after publishing.',
      'Check that package.json "main" points at the compiled functions (dist/src/functions/*.js) and see the log stream.',
    );
  }
  ctx.log(`# functions: ${functions.join(', ')}`);

  const url = `${functionAppUrl(names)}/api/orders`;
  if (az.dryRun) {
    ctx.log(`# GET ${url} without a session must answer 401`);
    return functions;
  }
  const status = await httpStatus(url);
  if (status !== 401) {
    throw new DeployError(
      `GET ${url} without a session answered ${status}, expected 401 from App Service Authentication.`,
      status >= 300 && status < 400
        ? 'Authentication redirects instead of returning 401: check unauthenticatedClientAction (az webapp auth show).'
        : undefined,
    );
  }
  ctx.log(`# GET ${url} without a session: 401 as expected`);
  return functions;
}
