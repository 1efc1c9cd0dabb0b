import { defineExtension } from '../shared/extension.js';
import { signalRConnectionInfoAdapter } from './connectionInfo.js';
import { signalROutputAdapter } from './output.js';
import { createSignalRTriggerBinding } from './trigger.js';

/**
 * Azure SignalR Service (serverless): connection info for clients, messages and group actions over the service's
 * REST API, and upstream events at `/runtime/webhooks/signalr`. The service is whatever the connection string
 * names: the stack's stand-in (the `signalR` service) or a real resource.
 */
export const signalRExtension = defineExtension({
  name: 'signalR',
  bindingTypes: ['signalRConnectionInfo', 'signalR', 'signalRTrigger'],
  connectionForms: [
    '<connectionStringSetting> (default AzureSignalRConnectionString) = Endpoint=…;AccessKey=…;Version=1.0;',
  ],
  services: ['signalR'],
  start({ clock }) {
    const trigger = createSignalRTriggerBinding();
    return {
      bindings: [signalRConnectionInfoAdapter(clock), signalROutputAdapter(clock), trigger.adapter],
      webhook: trigger.webhook,
    };
  },
});
