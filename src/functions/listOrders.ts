import { app } from '@azure/functions';
import { handleListOrders } from '../orders/queries.js';
import { answeringStorageOutages } from '../platform/storageOutage.js';

app.http('listOrders', {
  methods: ['GET'],
  route: 'orders',
  authLevel: 'anonymous',
  handler: answeringStorageOutages(handleListOrders),
});
