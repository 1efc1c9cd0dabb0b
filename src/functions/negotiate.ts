import { app } from '@azure/functions';
import { handleNegotiate } from '../orders/notifications.js';
import { signalRConnectionInfoInput, signalROutput } from '../platform/bindings.js';

app.http('negotiate', {
  methods: ['POST'],
  route: 'negotiate',
  authLevel: 'anonymous',
  extraInputs: [signalRConnectionInfoInput],
  extraOutputs: [signalROutput],
  handler: handleNegotiate,
});
