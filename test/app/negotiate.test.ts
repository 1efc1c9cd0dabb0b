import { beforeAll, describe, expect, it } from 'vitest';
import { signalRConnectionInfoInput, signalROutput } from '../../src/platform/bindings.js';
import {
  httpRequest,
  invocationContext,
  invokeHttp,
  loadFunctionsApp,
  responseJson,
  signedInAs,
} from '../support/functionsApp.js';

beforeAll(loadFunctionsApp);

describe('POST /api/negotiate', () => {
  const connectionInfo = { url: 'http://127.0.0.1:1/client/?hub=orders', accessToken: 'token' };

  it('returns the connection info and adds the user to their group', async () => {
    const context = invocationContext('negotiate');
    context.extraInputs.set(signalRConnectionInfoInput, connectionInfo);
    const { response } = await invokeHttp(
      'negotiate',
      httpRequest({ method: 'POST', path: 'negotiate', headers: signedInAs('listener') }),
      context,
    );
    expect(response.status).toBe(200);
    expect(responseJson(response)).toEqual(connectionInfo);
    expect(context.extraOutputs.get(signalROutput)).toEqual({
      action: 'add',
      userId: 'listener',
      groupName: 'user-listener',
    });
  });

  it('answers 401 and joins nobody when not signed in', async () => {
    const context = invocationContext('negotiate');
    const { response } = await invokeHttp('negotiate', httpRequest({ method: 'POST', path: 'negotiate' }), context);
    expect(response.status).toBe(401);
    expect(context.extraOutputs.get(signalROutput)).toBeUndefined();
  });
});
