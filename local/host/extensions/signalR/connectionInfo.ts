import { mintClientAccessToken } from '../../../signalr/index.js';
import type { Clock } from '../../../shared/clock.js';
import { toRpcTypedData } from '../../codec/index.js';
import type { BindingAdapter } from '../shared/bindingAdapter.js';
import { hubName, signalRConnection } from './connection.js';

/**
 * `signalRConnectionInfo` input: `{ url, accessToken }` for the client endpoint of the configured service, as the
 * Azure extension mints it (one-hour token, `nameid` = the resolved `userId` expression).
 */
export function signalRConnectionInfoAdapter(clock: Clock): BindingAdapter {
  return {
    type: 'signalRConnectionInfo',
    async bindInput(binding, ctx) {
      const connection = signalRConnection(binding, ctx);
      const userId = typeof binding.userId === 'string' && binding.userId !== '' ? binding.userId : undefined;
      const info = await mintClientAccessToken({
        endpoint: connection.clientEndpoint,
        accessKey: connection.accessKey,
        hub: hubName(binding, ctx),
        userId,
        nowMs: clock.now(),
      });
      return toRpcTypedData(info);
    },
  };
}
