import { describe, expect, it } from 'vitest';
import { tableClientFromSettings } from '../../src/platform/tableStorage.js';

describe('tableClientFromSettings', () => {
  it('uses the OrdersStorage connection string and the default table name', async () => {
    const client = await tableClientFromSettings({
      OrdersStorage:
        'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:1234/devstoreaccount1;',
    });
    expect(client.url).toBe('http://127.0.0.1:1234/devstoreaccount1');
    expect(client.tableName).toBe('orders');
  });

  it('understands UseDevelopmentStorage=true and OrdersTableName', async () => {
    const client = await tableClientFromSettings({
      OrdersStorage: 'UseDevelopmentStorage=true',
      OrdersTableName: 'Orders2',
    });
    expect(client.url).toBe('http://127.0.0.1:10002/devstoreaccount1');
    expect(client.tableName).toBe('Orders2');
  });

  it('goes identity-based with OrdersStorage__tableServiceUri', async () => {
    for (const credential of [{}, { OrdersStorage__credential: 'managedidentity', OrdersStorage__clientId: 'id' }]) {
      const client = await tableClientFromSettings({
        OrdersStorage__tableServiceUri: 'https://acct.table.core.windows.net',
        ...credential,
      });
      expect(client.url).toBe('https://acct.table.core.windows.net');
    }
  });

  it('says which setting is missing or wrong', async () => {
    await expect(tableClientFromSettings({})).rejects.toThrow(/Setting OrdersStorage is missing/);
    await expect(
      tableClientFromSettings({ OrdersStorage: 'UseDevelopmentStorage=true', OrdersTableName: 'no-dash' }),
    ).rejects.toThrow(/OrdersTableName/);
  });
});
