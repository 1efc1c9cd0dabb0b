import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The two fields of an app's package.json that the Node worker reads. */
export type AppPackage = { main: string | undefined; type: string | undefined };

/** package.json as the worker reads it: only string `main` and `type` kept; a broken file is a warning, not fatal. */
export function readAppPackage(appDir: string): { pkg: AppPackage; warning?: string } {
  try {
    const json = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    return {
      pkg: {
        main: typeof json.main === 'string' ? json.main : undefined,
        type: typeof json.type === 'string' ? json.type : undefined,
      },
    };
  } catch (error) {
    return {
      pkg: { main: undefined, type: undefined },
      warning: `Worker failed to load package.json: ${(error as Error).message}`,
    };
  }
}
