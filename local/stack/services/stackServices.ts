import {
  createHostContainer,
  type FunctionInfo,
  type LocalServices as HostServices,
  type StorageEmulator,
} from '../../host/index.js';
import {
  NOT_NEEDED,
  SERVICE_LABELS,
  needsOfFunctions,
  type ServiceNeeds,
  type StackServiceName,
} from './servicePlan.js';
import { namesAzurite } from '../../shared/azuriteSettings.js';
import type { AzuriteService } from './azuriteService.js';
import type { ServiceBusService } from './serviceBusService.js';
import type { SignalRStarter } from './signalRService.js';

export type StackServiceParts = { azurite: AzuriteService; serviceBus: ServiceBusService; signalR: SignalRStarter };

/** A service the stack started, where it answers, and why (each reason as it came up: settings, files, bindings). */
export type StartedService = { name: StackServiceName; urls: string[]; reasons: string[] };

/** The error a handle of a service that was not started throws: what it is, and why it was not needed. */
export function notStarted(name: StackServiceName): Error {
  const label = SERVICE_LABELS[name];
  return new Error(`${label.charAt(0).toUpperCase()}${label.slice(1)} was not started: ${NOT_NEEDED[name]}.`);
}

/**
 * Starts the stack's services on demand — once the settings show a need, or once the indexed app's bindings do —
 * and keeps what runs and why. Each starts at most once; a reload that needs another one starts it then, and the
 * broker gains the entities a reload's bindings name that it lacks (without servicebus.config.json).
 */
export class StackServices {
  readonly #started = new Map<StackServiceName, string[]>();
  #storage: StorageEmulator | undefined;
  #early: Promise<void> = Promise.resolve();

  constructor(
    readonly parts: StackServiceParts,
    private readonly deps: {
      setting(name: string): string | undefined;
      log(message: string): void;
    },
  ) {}

  /** What runs, in the order it started. */
  get started(): readonly StartedService[] {
    return [...this.#started].map(([name, reasons]) => ({ name, urls: this.#urls(name), reasons: [...reasons] }));
  }

  #urls(name: StackServiceName): string[] {
    const { azurite, serviceBus, signalR } = this.parts;
    if (name === 'storage') return azurite.urls();
    if (name === 'serviceBus') return serviceBus.current ? [`sb://localhost:${serviceBus.current.amqp.port}`] : [];
    return signalR.current ? [signalR.current.url] : [];
  }

  has(name: StackServiceName): boolean {
    return this.#started.has(name);
  }

  /** Starts what the settings and files need, without waiting: the host's first load waits for it. */
  startEarly(needs: ServiceNeeds): Promise<void> {
    this.#early = this.#ensure(needs, [], false);
    this.#early.catch(() => undefined); // awaited by the host's load, or by the caller
    return this.#early;
  }

  /** For the Functions host: what the indexed functions' bindings need, started before any trigger listens. */
  forHost(): HostServices {
    return {
      start: async (_names, functions) => {
        await this.#early;
        await this.#ensure(needsOfFunctions(functions, this.deps.setting), functions, true);
        const handles = new Map<string, unknown>();
        if (this.#storage) handles.set('storage', this.#storage);
        if (this.parts.serviceBus.current) handles.set('serviceBus', this.parts.serviceBus.current.broker);
        if (this.parts.signalR.current) handles.set('signalR', this.parts.signalR.current);
        return handles;
      },
    };
  }

  async #ensure(needs: ServiceNeeds, functions: readonly FunctionInfo[], fromBindings: boolean): Promise<void> {
    await Promise.all(
      [...needs].map(async ([name, reason]) => {
        const known = this.#started.get(name);
        // The broker hears of every load's bindings: a reload may name entities it does not have yet.
        if (known?.includes(reason) && !(name === 'serviceBus' && fromBindings)) return;
        if (!known) this.deps.log(`Starting ${SERVICE_LABELS[name]}: ${reason}.`);
        await this.#start(name, functions, fromBindings);
        if (!this.#started.get(name)?.includes(reason))
          this.#started.set(name, [...(this.#started.get(name) ?? []), reason]);
      }),
    );
  }

  async #start(name: StackServiceName, functions: readonly FunctionInfo[], fromBindings: boolean): Promise<void> {
    const { azurite, serviceBus, signalR } = this.parts;
    if (name === 'storage') {
      // The bindings' storage is every Azurite service, and so is the host's own (its container, timers' status,
      // a real func start's locks); other settings alone ask for the table service.
      const hostStorage = namesAzurite(this.deps.setting('AzureWebJobsStorage') ?? '');
      if (fromBindings || hostStorage) {
        const first = this.#storage === undefined;
        this.#storage = await azurite.startAll();
        if (first && hostStorage) await createHostContainer(this.deps.setting, this.#storage);
      } else {
        await azurite.startTables();
      }
    } else if (name === 'serviceBus') {
      await serviceBus.start(functions, this.deps.setting);
    } else {
      await signalR.start();
    }
  }
}
