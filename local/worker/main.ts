// The Node language worker: the process the host starts for the app. It provides `@azure/functions-core`
// before anything can load `@azure/functions`, then answers the host's RPC messages over IPC.
import { parseArgs } from 'node:util';
import { createIpcChannel } from '../rpc/ipcChannel.js';
import type { HostMessage, WorkerMessage } from '../rpc/messages.js';
import { installCoreModule } from './core/coreModule.js';
import { createWorker } from './worker.js';

const registry = installCoreModule();

if (!process.send) {
  process.stderr.write('The language worker is started by the Functions host, which talks to it over IPC.\n');
  process.exit(1);
}

// As the Azure Node worker: an error nothing caught ends the process, and the host restarts it.
process.on('uncaughtException', (error) => {
  process.stderr.write(
    `Worker uncaught exception (learn more: https://go.microsoft.com/fwlink/?linkid=2097909 ): ${error.stack ?? String(error)}\n`,
  );
  process.exit(1);
});
// The host's end of the channel closing means the host is gone: never linger as an orphan.
process.on('disconnect', () => process.exit(0));

const { values } = parseArgs({ options: { workerId: { type: 'string' } }, strict: false });
let indexed!: () => void;
/** Settles once the app is loaded and its functions sent to the host: the entry (`loader.ts`) caches code then. */
export const started = new Promise<void>((resolve) => (indexed = resolve));
export { setModuleImporter } from './appLoader.js';

const channel = createIpcChannel<WorkerMessage, HostMessage>(process, (message) => worker.handle(message));
const worker = createWorker(
  registry,
  (message) => {
    channel.send(message);
    if ('functionMetadataResponse' in message) indexed();
  },
  (code) => process.exit(code),
);
channel.send({ requestId: '', startStream: { workerId: String(values.workerId ?? process.pid) } });
