import { app } from '@azure/functions';
import { handleOrderDeadLetter } from '../orders/deadLetters.js';
import {
  ORDER_DEAD_LETTER_SUBSCRIPTION,
  ORDERS_TOPIC,
  SERVICE_BUS_CONNECTION,
  signalROutput,
} from '../platform/bindings.js';

app.serviceBusTopic('orderDeadLetters', {
  connection: SERVICE_BUS_CONNECTION,
  topicName: ORDERS_TOPIC,
  subscriptionName: ORDER_DEAD_LETTER_SUBSCRIPTION,
  extraOutputs: [signalROutput],
  handler: handleOrderDeadLetter,
});
