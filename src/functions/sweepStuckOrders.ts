import { app } from '@azure/functions';
import { orderTopicOutput } from '../platform/bindings.js';
import { handleStuckOrderSweep } from '../orders/stuckOrders.js';

app.timer('sweepStuckOrders', {
  schedule: '0 */5 * * * *',
  extraOutputs: [orderTopicOutput],
  handler: handleStuckOrderSweep,
});
