import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The fields of an app's package.json that the Node worker reads, and its name (the app's telemetry service). */
export type AppPackage = { main: string | undefined; type: string | undefined; name?: string };

/** package.json as the worker reads it: only string `main` and `type` kept; a broken file is a warning, not fatal. */
export function readAppPackage(appDir: string): { pkg: AppPackage; warning?: string } {
  try {
    const json = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    return {
      pkg: {
        main: typeof json.main === 'string' ? json.main : undefined,
        type: typeof json.type === 'string' ? json.type : undefined,
        ...(typeof json.name === 'string' ? { name: json.name } : {}),
      },
    };
  } catch (error) {
    return {
      pkg: { main: undefined, type: undefined },
      warning: `Worker failed to load package.json: ${(error as Error).message}`,
    };
  }
}
