import { input, output } from '@azure/functions';

// Names of app settings and entities, as Azure and the local stack both read them.
export const SERVICE_BUS_CONNECTION = 'ServiceBusConnection';
export const SIGNALR_CONNECTION = 'AzureSignalRConnectionString';
export const ORDERS_TOPIC = 'orders';
export const ORDER_PROCESSOR_SUBSCRIPTION = 'order-processor';
export const ORDER_DEAD_LETTER_SUBSCRIPTION = `${ORDER_PROCESSOR_SUBSCRIPTION}/$DeadLetterQueue`;
export const SIGNALR_HUB = 'orders';

/** The order message to topic `orders`. */
export const orderTopicOutput = output.serviceBusTopic({
  topicName: ORDERS_TOPIC,
  connection: SERVICE_BUS_CONNECTION,
});

/** SignalR messages and group actions on hub `orders`. */
export const signalROutput = output.generic({
  type: 'signalR',
  name: 'signalRMessages',
  hubName: SIGNALR_HUB,
  connectionStringSetting: SIGNALR_CONNECTION,
});

/** SignalR client URL and access token, bound to the Easy Auth user id so the token names that user. */
export const signalRConnectionInfoInput = input.generic({
  type: 'signalRConnectionInfo',
  name: 'connectionInfo',
  hubName: SIGNALR_HUB,
  userId: '{headers.x-ms-client-principal-id}',
  connectionStringSetting: SIGNALR_CONNECTION,
});
