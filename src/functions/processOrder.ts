import { app } from '@azure/functions';
import { handleProcessOrder } from '../orders/processOrder.js';
import {
  ORDER_PROCESSOR_SUBSCRIPTION,
  ORDERS_TOPIC,
  SERVICE_BUS_CONNECTION,
  signalROutput,
} from '../platform/bindings.js';

app.serviceBusTopic('processOrder', {
  connection: SERVICE_BUS_CONNECTION,
  topicName: ORDERS_TOPIC,
  subscriptionName: ORDER_PROCESSOR_SUBSCRIPTION,
  extraOutputs: [signalROutput],
  handler: handleProcessOrder,
});
