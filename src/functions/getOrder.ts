import { app } from '@azure/functions';
import { handleGetOrder } from '../orders/queries.js';

app.http('getOrder', { methods: ['GET'], route: 'orders/{orderId}', authLevel: 'anonymous', handler: handleGetOrder });
