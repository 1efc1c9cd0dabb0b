import { app } from '@azure/functions';
import { handleCreateOrder } from '../orders/createOrder.js';
import { orderTopicOutput } from '../platform/bindings.js';
import { answeringStorageOutages } from '../platform/storageOutage.js';

app.http('createOrder', {
  methods: ['POST'],
  route: 'orders',
  // Easy Auth authenticates callers in front of the app; function keys would only get in the browser's way.
  authLevel: 'anonymous',
  extraOutputs: [orderTopicOutput],
  handler: answeringStorageOutages(handleCreateOrder),
});
