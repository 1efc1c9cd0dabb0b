import { app } from '@azure/functions';
import { handleGetOrder } from '../orders/queries.js';
import { answeringStorageOutages } from '../platform/storageOutage.js';

app.http('getOrder', {
  methods: ['GET'],
  route: 'orders/{orderId}',
  authLevel: 'anonymous',
  handler: answeringStorageOutages(handleGetOrder),
});
