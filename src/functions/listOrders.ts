import { app } from '@azure/functions';
import { handleListOrders } from '../orders/queries.js';

app.http('listOrders', { methods: ['GET'], route: 'orders', authLevel: 'anonymous', handler: handleListOrders });
