import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../shared/clock.js';
import { freePort } from '../../shared/freePort.js';
import { generateKey, isPublicKey } from '../../shared/installSecrets.js';
import { localSignalR, startSignalRService, type SignalRService } from '../../signalr/index.js';
import type { Telemetry } from '../../telemetry/index.js';
import { lazily } from './lazily.js';

const SIGNALR_SETTING = 'AzureSignalRConnectionString';

export type SignalRServiceStarterOptions = {
  /** 0 = free port. Default 8888. */
  port?: number;
  /** The app settings, for the AccessKey of its local SignalR connection string. */
  settings: Readonly<Record<string, string>>;
  dataDir: string;
  inMemory: boolean;
  /** The Functions host's base URL, once known (SignalR upstream events go to its webhook). */
  hostUrl(): string;
  /** Origins beside the host's own that may reach the service (local.settings.json Host.CORS). */
  corsOrigins: readonly string[];
  allowedHosts?: string[];
  clock?: Clock;
  telemetry: Telemetry;
  log(message: string): void;
};

export type SignalRStarter = {
  port: number;
  /** The key the service signs and checks tokens with; the app's local connection strings are given it. */
  accessKey: string;
  start(): Promise<SignalRService>;
  readonly current: SignalRService | undefined;
  /** Stops the service and starts it again on the same port, as an outage would. */
  restart(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * The key of the app's SignalR connection string — unless that is the sample's public placeholder (no
 * local.settings.json yet, or the tests' settings): then one made for this run, which the settings are pointed at.
 */
function accessKeyFor(settings: Readonly<Record<string, string>>): { key: string; placeholder: boolean } {
  const configured =
    localSignalR(settings[SIGNALR_SETTING] ?? '')?.accessKey ??
    Object.values(settings)
      .map((v) => localSignalR(v)?.accessKey)
      .find((k) => k !== undefined);
  const placeholder = configured !== undefined && isPublicKey(configured);
  return { key: configured === undefined || placeholder ? generateKey() : configured, placeholder };
}

/** The host's origin by each loopback name: a page from either may reach the SignalR service. */
function ownOrigins(hostUrl: string): string[] {
  if (hostUrl === '') return [];
  const { origin, port } = new URL(hostUrl);
  return [origin, `http://localhost:${port}`, `http://127.0.0.1:${port}`];
}

/** Settles the SignalR service's port and key (the app's settings name them) and starts it when first asked. */
export async function placeSignalRService(options: SignalRServiceStarterOptions): Promise<SignalRStarter> {
  const requested = options.port ?? 8888;
  const port = requested === 0 ? await freePort() : requested;
  const { key: accessKey, placeholder } = accessKeyFor(options.settings);
  const serviceOptions = {
    hostname: '127.0.0.1',
    port,
    accessKey,
    upstream: {
      get url(): string {
        return `${options.hostUrl()}/runtime/webhooks/signalr`;
      },
    },
    clock: options.clock,
    statePath: options.inMemory ? undefined : join(options.dataDir, 'signalr', 'state.json'),
    // The web client comes from the host's own origin; Host.CORS names any other (a dev server).
    corsOrigins: () => [...ownOrigins(options.hostUrl()), ...options.corsOrigins],
    allowedHosts: options.allowedHosts,
    log: (message: string) => options.log(`[signalr] ${message}`),
    telemetry: options.telemetry,
  };
  let warned = false;
  const service = lazily(
    () => {
      if (!options.inMemory) mkdirSync(join(options.dataDir, 'signalr'), { recursive: true });
      if (placeholder && !warned) {
        warned = true;
        options.log(
          'The SignalR AccessKey in the settings is the public placeholder: signing with a key made for this run.',
        );
      }
      return startSignalRService(serviceOptions);
    },
    (started) => started.close(),
  );
  return {
    port,
    accessKey,
    start: () => service.start(),
    get current() {
      return service.current;
    },
    async restart() {
      await service.stop();
      await service.start();
    },
    stop: () => service.stop(),
  };
}
