import { expect, it } from 'vitest';
import { ManualClock } from '../../local/shared/clock.js';
import { OrdersClient, useLocalStack } from '../support/stack.js';
import { appHubConnection } from '../support/appHub.js';

const clock = new ManualClock(Date.now());
const { stack } = useLocalStack({ clock });

it('keeps every part on the stack clock: tokens the host mints are judged by the service on the same clock', async () => {
  // Ten minutes ahead of the real time: a REST token (five minutes) dated by the real clock would be expired.
  clock.advance(10 * 60_000);
  const client = await OrdersClient.signIn(stack().urls.functions, 'clock-carl');
  const connection = appHubConnection(client);
  try {
    // negotiate runs the app's signalRConnectionInfo input and its signalR output (the group add, a REST call).
    await expect(connection.start()).resolves.toBeUndefined();
  } finally {
    await connection.stop();
  }
});
