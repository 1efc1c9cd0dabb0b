import { createSignalRRestClient, sendSignalROutput, type SignalRRestClient } from '../../../signalr/index.js';
import type { RpcTypedData } from '../../../rpc/types.js';
import type { BindingAdapter } from '../bindingAdapter.js';
import { hubName, signalRConnection } from './connection.js';

function outputValue(value: RpcTypedData): unknown {
  if (value.json !== undefined && value.json !== null) return JSON.parse(value.json);
  if (value.string !== undefined && value.string !== null) return JSON.parse(value.string);
  throw new Error('The signalR output binding takes a message or group action object, or an array of them.');
}

// One REST client per connection (endpoint and key), not one per invocation: every processed order sends here.
const clients = new Map<string, SignalRRestClient>();

/**
 * `signalR` output: messages and group actions become REST calls to the service in the connection string — the
 * local stand-in, or a real Azure SignalR resource. A failed call fails the invocation.
 */
export const signalROutputAdapter: BindingAdapter = {
  type: 'signalR',
  async applyOutput(binding, value, ctx) {
    const connection = signalRConnection(binding, ctx);
    const key = `${connection.serverEndpoint}\n${connection.accessKey}`;
    let client = clients.get(key);
    if (!client) clients.set(key, (client = createSignalRRestClient(connection)));
    await sendSignalROutput(client, hubName(binding, ctx), outputValue(value));
  },
};
