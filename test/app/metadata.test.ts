import { beforeAll, describe, expect, it } from 'vitest';
import { installCoreModule } from '../../local/worker/core/coreModule.js';
import { loadFunctionsApp, registeredFunction } from '../support/functionsApp.js';

type Binding = Record<string, unknown> & { type: string; direction: string };

/** The bindings as the host reads them: `rawBindings`, one JSON object per binding, names included. */
function bindingsOf(name: string): Binding[] {
  const { metadata } = registeredFunction(name);
  return Object.entries(metadata.bindings).map(([bindingName, b]) => ({ ...(b as Binding), name: bindingName }));
}

function byType(name: string, type: string): Binding {
  const found = bindingsOf(name).filter((b) => b.type === type);
  expect(found, `${name} has one ${type} binding`).toHaveLength(1);
  return found[0] as Binding;
}

const signalROutput = {
  type: 'signalR',
  direction: 'out',
  hubName: 'orders',
  connectionStringSetting: 'AzureSignalRConnectionString',
};

describe('binding metadata the functions register', () => {
  beforeAll(loadFunctionsApp);

  it('registers exactly the app functions', () => {
    expect([...installCoreModule().functions.keys()].sort()).toEqual(FUNCTION_NAMES);
  });

  const FUNCTION_NAMES = [
    'createOrder',
    'getOrder',
    'listOrders',
    'listProducts',
    'negotiate',
    'orderDeadLetters',
    'processOrder',
    'sweepStuckOrders',
  ];

  it.each([
    ['createOrder', ['POST'], 'orders'],
    ['getOrder', ['GET'], 'orders/{orderId}'],
    ['listOrders', ['GET'], 'orders'],
    ['listProducts', ['GET'], 'products'],
    ['negotiate', ['POST'], 'negotiate'],
  ])('%s is an anonymous HTTP function on %j %s with an http return', (name, methods, route) => {
    expect(byType(name, 'httpTrigger')).toMatchObject({ direction: 'in', methods, route, authLevel: 'anonymous' });
    expect(registeredFunction(name).metadata.bindings.$return).toMatchObject({ type: 'http', direction: 'out' });
  });

  it('createOrder writes to topic orders through the serviceBus output', () => {
    expect(byType('createOrder', 'serviceBus')).toMatchObject({
      direction: 'out',
      topicName: 'orders',
      connection: 'ServiceBusConnection',
    });
  });

  it('negotiate takes connection info for the Easy Auth user and can add them to a group', () => {
    expect(byType('negotiate', 'signalRConnectionInfo')).toMatchObject({
      direction: 'in',
      hubName: 'orders',
      userId: '{headers.x-ms-client-principal-id}',
      connectionStringSetting: 'AzureSignalRConnectionString',
    });
    expect(byType('negotiate', 'signalR')).toMatchObject(signalROutput);
  });

  it.each([
    ['processOrder', 'order-processor'],
    ['orderDeadLetters', 'order-processor/$DeadLetterQueue'],
  ])('%s is triggered by topic orders, subscription %s, and sends through SignalR', (name, subscriptionName) => {
    expect(byType(name, 'serviceBusTrigger')).toMatchObject({
      direction: 'in',
      topicName: 'orders',
      subscriptionName,
      connection: 'ServiceBusConnection',
    });
    expect(byType(name, 'signalR')).toMatchObject(signalROutput);
  });

  it('sweepStuckOrders runs every five minutes and re-sends through the topic output', () => {
    expect(byType('sweepStuckOrders', 'timerTrigger')).toMatchObject({ direction: 'in', schedule: '0 */5 * * * *' });
    expect(byType('sweepStuckOrders', 'serviceBus')).toMatchObject({
      direction: 'out',
      topicName: 'orders',
      connection: 'ServiceBusConnection',
    });
  });

  it('uses binding names the host accepts', () => {
    for (const name of FUNCTION_NAMES) {
      for (const binding of bindingsOf(name)) expect(binding.name).toMatch(/^(\$return|[a-zA-Z][a-zA-Z0-9]{0,127})$/);
    }
  });
});
