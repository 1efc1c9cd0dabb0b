import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FunctionInfo } from '../../host/index.js';
import { startAmqpServer, type AmqpServer } from '../../servicebus/amqp/index.js';
import { loadTopology, ServiceBusBroker, type Topology } from '../../servicebus/index.js';
import type { Clock } from '../../shared/clock.js';
import { freePort } from '../../shared/freePort.js';
import { generateKey } from '../../shared/installSecrets.js';
import type { Telemetry } from '../../telemetry/index.js';
import { describeEntities, entitiesOf, topologyFromBindings } from './bindingTopology.js';
import { SERVICE_BUS_DEFAULT_PORT, serviceBusKeys, type ServiceBusEndpoint } from './emulatorSettings.js';
import { TOPOLOGY_FILE } from './servicePlan.js';
import { lazily } from './lazily.js';

export type ServiceBusServiceOptions = {
  appDir: string;
  dataDir: string;
  inMemory: boolean;
  /** AMQP port; 0 = free port. Default 5672 (where `UseDevelopmentEmulator=true` clients connect). */
  port?: number;
  /** The app settings' values: the broker takes the keys of their emulator connection strings. */
  settingValues: readonly string[];
  clock?: Clock;
  telemetry: Telemetry;
  log(message: string, level?: 'information' | 'warning'): void;
};

export type ServiceBusParts = { broker: ServiceBusBroker; amqp: AmqpServer };

export type ServiceBusService = {
  /** Where the AMQP endpoint will listen, and the key it takes for the sample's public one. */
  endpoint: ServiceBusEndpoint;
  /**
   * The broker and its AMQP endpoint. Without a servicebus.config.json it has the entities the bindings name: called
   * again on a reload, it adds those the running broker lacks and keeps the others.
   */
  start(functions: readonly FunctionInfo[], setting: (name: string) => string | undefined): Promise<ServiceBusParts>;
  readonly current: ServiceBusParts | undefined;
  stop(): Promise<void>;
};

/** Settles the AMQP port (the app's connection strings name it) and starts the broker when first asked. */
export async function placeServiceBusService(options: ServiceBusServiceOptions): Promise<ServiceBusService> {
  const requested = options.port ?? SERVICE_BUS_DEFAULT_PORT;
  const endpoint = { port: requested === 0 ? await freePort() : requested, keyForPublicKeys: generateKey() };
  const topologyFile = join(options.appDir, TOPOLOGY_FILE);
  const undeclared = (entities: string, what: string) =>
    options.log(
      `No ${TOPOLOGY_FILE} in ${options.appDir}: the broker ${what} (${entities}), with the emulator's default ` +
        `properties. Azure and the official emulator need them declared: write them into ${TOPOLOGY_FILE} (the ` +
        `emulator's Config.json shape).`,
      'warning',
    );
  let entities: () => Topology = () => loadTopology(topologyFile);
  const parts = lazily(
    async (): Promise<ServiceBusParts> => {
      const broker = await ServiceBusBroker.open({
        topology: entities(),
        dataDir: join(options.dataDir, 'servicebus'),
        inMemory: options.inMemory,
        clock: options.clock,
        telemetry: options.telemetry,
      });
      // The same broker on the wire (AMQP 1.0) for @azure/service-bus clients and a real `func start`; it takes
      // the keys of the emulator connection strings the app is configured with (never the sample's public one).
      const amqp = await startAmqpServer({
        broker,
        keys: serviceBusKeys([...options.settingValues], endpoint.keyForPublicKeys),
        port: endpoint.port,
        log: (message) => options.log(`[servicebus] ${message}`),
      }).catch(async (error: unknown) => {
        await broker.close();
        throw error;
      });
      return { broker, amqp };
    },
    async ({ broker, amqp }) => {
      await amqp.close();
      await broker.close();
    },
  );
  return {
    endpoint,
    async start(functions, setting) {
      // Without the file the bindings are the truth, on every load: a reload that names a new entity adds it, and
      // one that no longer names an entity leaves it there (Azure keeps entities whatever the app does).
      const declared = existsSync(topologyFile);
      if (!parts.current && !declared) {
        entities = () => {
          const topology = topologyFromBindings(functions, setting);
          undeclared(describeEntities(entitiesOf(topology)), "has the entities the functions' bindings name");
          return topology;
        };
      }
      const started = await parts.start();
      if (!declared) {
        const added = started.broker.addEntities(topologyFromBindings(functions, setting));
        if (added.length > 0) undeclared(describeEntities(added), 'now also has the entities new bindings name');
      }
      return started;
    },
    get current() {
      return parts.current;
    },
    stop: () => parts.stop(),
  };
}
