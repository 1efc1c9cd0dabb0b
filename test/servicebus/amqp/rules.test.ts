import { describe, expect, it } from 'vitest';
import { useEndpoint } from './helpers.js';

const waitShort = { maxWaitTimeInMs: 2000 };

describe('AMQP endpoint: subscription rules with ServiceBusRuleManager', () => {
  const endpoint = useEndpoint();

  it('lists, adds and removes correlation rules, and routing follows them', async () => {
    const { client } = await endpoint();
    const sb = client();
    const rules = sb.createRuleManager('orders', 'all');
    const listed = async () => {
      const out: { name: string; filter: unknown }[] = [];
      for await (const rule of rules.listRules()) out.push({ name: rule.name, filter: rule.filter });
      return out;
    };
    expect(await listed()).toEqual([{ name: '$Default', filter: { sqlExpression: '1=1' } }]);
    await rules.createRule('rush', { subject: 'rush', applicationProperties: { region: 'eu', priority: 1 } });
    await rules.createRule('from-shop', { correlationId: 'shop' });
    await rules.deleteRule('$Default');
    expect(await listed()).toEqual([
      {
        name: 'rush',
        filter: expect.objectContaining({ subject: 'rush', applicationProperties: { region: 'eu', priority: 1 } }),
      },
      {
        name: 'from-shop',
        filter: expect.objectContaining({ correlationId: 'shop', applicationProperties: undefined }),
      },
    ]);
    await sb
      .createSender('orders')
      .sendMessages([
        { body: 'rush eu', subject: 'rush', applicationProperties: { region: 'eu', priority: 1 } },
        { body: 'rush us', subject: 'rush', applicationProperties: { region: 'us', priority: 1 } },
        { body: 'shop', correlationId: 'shop' },
        { body: 'other' },
      ]);
    const received = await sb.createReceiver('orders', 'all').receiveMessages(2, waitShort);
    expect(received.map((m) => m.body)).toEqual(['rush eu', 'shop']);
  });

  it('takes the true and false filters, refuses SQL filters and rule actions, and names missing or taken rules', async () => {
    const { client } = await endpoint();
    const rules = client().createRuleManager('orders', 'vip');
    await rules.createRule('nothing', { sqlExpression: '1=0' });
    await rules.createRule('everything', { sqlExpression: '1 = 1' });
    await expect(rules.createRule('sql', { sqlExpression: "sys.Label = 'x'" })).rejects.toThrow(
      /SQL filters are not supported by the local broker/,
    );
    await expect(rules.createRule('act', { sqlExpression: '1=1' }, { sqlExpression: 'SET a = 1' })).rejects.toThrow(
      /Rule actions .* are not supported/,
    );
    await expect(rules.createRule('EVERYTHING', { correlationId: 'x' })).rejects.toMatchObject({
      code: 'MessagingEntityAlreadyExists',
    });
    await expect(rules.deleteRule('missing')).rejects.toMatchObject({ code: 'MessagingEntityNotFound' });
    const listed: { name: string; filter: unknown }[] = [];
    for await (const rule of rules.listRules()) listed.push({ name: rule.name, filter: rule.filter });
    expect(listed).toEqual([
      { name: 'vipOnly', filter: expect.objectContaining({ applicationProperties: { tier: 'vip' } }) },
      { name: 'nothing', filter: { sqlExpression: '1=0' } },
      { name: 'everything', filter: { sqlExpression: '1=1' } },
    ]);
  });
});
