import type { Telemetry } from '../telemetry/index.js';
import { notStarted, type StackServices } from './services/stackServices.js';
import type { LocalServices } from './startLocalStack.js';

/**
 * The stack's handles. Each service's is live (a restarted SignalR service is the new one) and throws, naming
 * why, for a service that was not started; `started` says what runs and why.
 */
export function stackHandles(
  services: StackServices,
  functionsUrl: string,
  masterKey: string,
  telemetry: Telemetry,
  dispose: () => Promise<void>,
): LocalServices {
  const { azurite, serviceBus, signalR } = services.parts;
  const running = <T>(part: T | undefined, name: 'serviceBus' | 'signalR'): T => {
    if (part === undefined) throw notStarted(name);
    return part;
  };
  return {
    urls: {
      functions: functionsUrl,
      get signalr() {
        return running(signalR.current, 'signalR').url;
      },
      get tableService() {
        if (!services.has('storage')) throw notStarted('storage');
        return azurite.tableEndpoint;
      },
      get servicebus() {
        return `sb://localhost:${running(serviceBus.current, 'serviceBus').amqp.port}`;
      },
    },
    get broker() {
      return running(serviceBus.current, 'serviceBus').broker;
    },
    get amqp() {
      return running(serviceBus.current, 'serviceBus').amqp;
    },
    get signalr() {
      return running(signalR.current, 'signalR');
    },
    get started() {
      return services.started;
    },
    telemetry,
    masterKey,
    async restartSignalR() {
      running(signalR.current, 'signalR');
      await signalR.restart();
    },
    dispose,
  };
}
