import { createSignalRRestClient, sendSignalROutput, type SignalRRestClient } from '../../../signalr/index.js';
import type { RpcTypedData } from '../../../rpc/types.js';
import type { Clock } from '../../../shared/clock.js';
import { fromRpcTypedData } from '../../codec/index.js';
import type { BindingAdapter } from '../shared/bindingAdapter.js';
import { hubName, signalRConnection } from './connection.js';

function outputValue(data: RpcTypedData): unknown {
  const value = fromRpcTypedData(data);
  if (typeof value === 'string') return JSON.parse(value);
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) return value;
  throw new Error('The signalR output binding takes a message or group action object, or an array of them.');
}

/**
 * `signalR` output: messages and group actions become REST calls to the service in the connection string — the
 * local stand-in, or a real Azure SignalR resource. A failed call fails the invocation. Tokens are dated by the
 * host's clock, as the stack's service judges them by it.
 */
export function signalROutputAdapter(clock: Clock): BindingAdapter {
  // One REST client per connection (endpoint and key), not one per invocation: every processed order sends here.
  const clients = new Map<string, SignalRRestClient>();
  return {
    type: 'signalR',
    async applyOutput(binding, value, ctx) {
      const connection = signalRConnection(binding, ctx);
      const key = `${connection.serverEndpoint}
${connection.accessKey}`;
      let client = clients.get(key);
      if (!client) clients.set(key, (client = createSignalRRestClient(connection, () => clock.now())));
      const hub = hubName(binding, ctx);
      if (!ctx.span) return sendSignalROutput(client, hub, outputValue(value));
      // As the extension's HTTP calls are traced: one client span, whose context every REST call carries.
      const span = ctx.telemetry.startSpan('host', `SignalR output ${binding.name}`, {
        kind: 'client',
        parent: ctx.span,
        attributes: { 'signalr.hub': hub, 'server.address': new URL(connection.serverEndpoint).host },
      });
      try {
        await sendSignalROutput(client.withTraceParent(span.traceParent), hub, outputValue(value));
      } catch (error) {
        span.fail(error);
        throw error;
      } finally {
        span.end();
      }
    },
  };
}
