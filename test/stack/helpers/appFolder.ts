import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const repoNodeModules = fileURLToPath(new URL('../../../node_modules', import.meta.url));

/** An app folder of somebody else's, in a temporary parent folder: `parent/<name>`, with its local.settings.json. */
export type AppFolder = {
  parent: string;
  dir: string;
  name: string;
  /** Writes a file of the app (a compiled function, say: a watching host reloads), its folders made as needed. */
  write(relativePath: string, text: string): void;
  remove(): void;
};

/**
 * Copies a fixture app of test/stack/fixtures into a temporary folder, with the repository's node_modules linked
 * in (so it resolves the real `@azure/functions`) and the local.settings.json given (git keeps none).
 */
export function appFolder(name: string, localSettings: unknown): AppFolder {
  const parent = mkdtempSync(join(tmpdir(), 'script-root-'));
  const dir = join(parent, name);
  cpSync(join(fixtures, name), dir, { recursive: true });
  symlinkSync(repoNodeModules, join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'local.settings.json'), JSON.stringify(localSettings));
  return {
    parent,
    dir,
    name,
    write(relativePath, text) {
      mkdirSync(dirname(join(dir, relativePath)), { recursive: true });
      writeFileSync(join(dir, relativePath), text);
    },
    remove: () => rmSync(parent, { recursive: true, force: true }),
  };
}

/** The http-timer-app fixture with the settings its developer would keep: storage on Azurite, a greeting name. */
export function httpTimerApp(greetingName: string): AppFolder {
  return appFolder('http-timer-app', {
    IsEncrypted: false,
    Values: {
      FUNCTIONS_WORKER_RUNTIME: 'node',
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      GREETING_NAME: greetingName,
    },
  });
}

/** Whether anything accepts connections on 127.0.0.1:port. */
export async function listening(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
