import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resourcePath, verifySasToken, ConnectionGrants } from '../../../local/servicebus/amqp/auth.js';
import { fromAmqp, fromBatch, lockTokenFromTag, lockTokenTag, toAmqp } from '../../../local/servicebus/amqp/codec.js';
import { amqpMessage } from '../../../local/servicebus/amqp/rheaInternals.js';
import { AmqpBodySections, type ReceivedMessage } from '../../../local/servicebus/message.js';

describe('AMQP codec', () => {
  it('writes lock tokens as delivery tags in .NET Guid byte order, and reads them back', () => {
    const tag = lockTokenTag('01020304-0506-0708-090a-0b0c0d0e0f10');
    expect([...tag]).toEqual([4, 3, 2, 1, 6, 5, 8, 7, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(lockTokenFromTag(tag)).toBe('01020304-0506-0708-090a-0b0c0d0e0f10');
    expect([...tag]).toEqual([4, 3, 2, 1, 6, 5, 8, 7, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(() => lockTokenTag('id-1')).toThrow("'id-1' is not a UUID.");
    expect(() => lockTokenFromTag(Buffer.from('0'))).toThrow('16 bytes');
  });

  it('reads a message into the broker’s terms: ids as strings, timestamps as milliseconds, other bodies kept encoded', () => {
    const at = new Date('2026-03-01T00:00:00Z');
    const message = fromAmqp(
      amqpMessage.decode(
        amqpMessage.encode({
          body: { a: 1 },
          message_id: 42,
          correlation_id: Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex'),
          application_properties: { when: at, n: 1.5 },
          message_annotations: { 'x-opt-scheduled-enqueue-time': at, 'x-opt-partition-key': 'p' },
          ttl: 5000,
        }),
      ),
      'message',
    );
    expect(message).toMatchObject({
      messageId: '42',
      correlationId: '01020304-0506-0708-090a-0b0c0d0e0f10',
      applicationProperties: { when: at.getTime(), n: 1.5 },
      scheduledEnqueueTimeUtc: at,
      partitionKey: 'p',
      timeToLiveMs: 5000,
    });
    expect(message.body).toBeInstanceOf(AmqpBodySections);
    expect(amqpMessage.decode((message.body as AmqpBodySections).sections).body).toEqual({ a: 1 });
  });

  it('names what it cannot keep', () => {
    const binary = amqpMessage.encode({ body: 'x', application_properties: { blob: Buffer.from('x') } });
    expect(() => fromAmqp(amqpMessage.decode(binary), 'messages[3]')).toThrow(
      'messages[3].applicationProperties.blob has an AMQP type the local broker does not keep',
    );
    expect(() => fromBatch(amqpMessage.encode({ body: 'not sections' }))).toThrow('data sections');
  });

  it('unpacks a batch: every data section of the envelope is a message', () => {
    const inner = ['a', 'b'].map((id) =>
      amqpMessage.encode({ body: amqpMessage.data_section(Buffer.from(id)), message_id: id } as never),
    );
    const envelope = amqpMessage.encode({
      body: (amqpMessage as never as { data_sections(d: Buffer[]): unknown }).data_sections(inner),
    } as never);
    expect(fromBatch(envelope).map((m) => [m.messageId, (m.body as Buffer).toString()])).toEqual([
      ['a', 'a'],
      ['b', 'b'],
    ]);
  });
});

describe('SAS tokens', () => {
  const keys = new Map([['Root', 'k3y']]);
  const now = Date.UTC(2026, 0, 1);
  const token = (resource: string, key = 'k3y', se = now / 1000 + 60, skn = 'Root') => {
    const sr = encodeURIComponent(resource);
    const sig = encodeURIComponent(createHmac('sha256', key).update(`${sr}\n${se}`).digest('base64'));
    return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${se}&skn=${skn}`;
  };

  it('verifies key name, signature, expiry and scope', () => {
    expect(verifySasToken(token('sb://localhost:5672/'), 'sb://localhost:5672/jobs', keys, now)).toBe(now + 60_000);
    expect(verifySasToken(token('sb://localhost/Orders'), 'sb://127.0.0.1/orders/subscriptions/a', keys, now)).toBe(
      now + 60_000,
    );
    const check =
      (t: string, audience = 'sb://localhost/jobs') =>
      () =>
        verifySasToken(t, audience, keys, now);
    expect(check(token('sb://localhost/', 'wrong'))).toThrow("not signed with the key 'Root'");
    expect(check(token('sb://localhost/', 'k3y', now / 1000 - 1))).toThrow('expired');
    expect(check(token('sb://localhost/', 'k3y', undefined, 'Other'))).toThrow("'Other' is not one of the keys");
    expect(check(token('sb://localhost/job'))).toThrow('does not cover');
    expect(check('Bearer abc')).toThrow('not a SharedAccessSignature');
  });

  it('grants a connection what its tokens cover, until they expire', () => {
    const grants = new ConnectionGrants();
    grants.grant('sb://localhost/orders', now + 1000);
    expect(() => grants.check('orders/Subscriptions/a/$management', now)).not.toThrow();
    expect(() => grants.check('orders', now + 1000)).toThrow('Unauthorized access');
    expect(() => grants.check('ordersx', now)).toThrow('Unauthorized access');
    expect(resourcePath('sb://host:1/A%20B/')).toBe('a b');
  });
});

describe('the delivery encoder', () => {
  const base: ReceivedMessage = {
    body: null,
    encodedBody: { kind: 'bytes', data: Buffer.from('{"a":1}') },
    messageId: 'm-1',
    sequenceNumber: 2 ** 40 + 7,
    deliveryCount: 3,
    enqueuedTimeUtc: new Date('2026-01-02T03:04:05.678Z'),
    expiresAtUtc: new Date('2026-01-03T00:00:00Z'),
    lockToken: '01020304-0506-0708-090a-0b0c0d0e0f10',
    lockedUntilUtc: new Date('2026-01-02T03:05:05.678Z'),
    applicationProperties: { s: 'x'.repeat(300), i: -5, big: 2 ** 40, f: 0.25, yes: true, no: false, none: null },
    state: 'active',
    contentType: 'application/json',
    correlationId: 'c',
    subject: 'sub',
    to: 'to',
    replyTo: 'r',
    sessionId: 'g',
    replyToSessionId: 'rg',
    partitionKey: 'p',
    deadLetterSource: 'jobs',
    scheduledEnqueueTimeUtc: new Date('2026-01-02T00:00:00Z'),
    timeToLiveMs: 60_000,
  };

  it('writes what rhea reads back as the same message', () => {
    const decoded = amqpMessage.decode(toAmqp(base, 'delivery'));
    expect(decoded).toMatchObject({
      delivery_count: 2,
      ttl: 60_000,
      message_id: 'm-1',
      correlation_id: 'c',
      content_type: 'application/json',
      subject: 'sub',
      to: 'to',
      reply_to: 'r',
      group_id: 'g',
      reply_to_group_id: 'rg',
      application_properties: base.applicationProperties,
      message_annotations: {
        'x-opt-sequence-number': 2 ** 40 + 7,
        'x-opt-enqueued-time': base.enqueuedTimeUtc,
        'x-opt-locked-until': base.lockedUntilUtc,
        'x-opt-scheduled-enqueue-time': base.scheduledEnqueueTimeUtc,
        'x-opt-partition-key': 'p',
        'x-opt-deadletter-source': 'jobs',
      },
    });
    expect((decoded.body as { content: Buffer }).content.toString()).toBe('{"a":1}');
  });

  it('peeked: no lock, the state, the count so far; an AMQP-value body passes through', () => {
    const value = fromAmqp(amqpMessage.decode(amqpMessage.encode({ body: ['v', 1] })), 'm').body as AmqpBodySections;
    const peeked: ReceivedMessage = {
      ...base,
      lockToken: '',
      state: 'deferred',
      applicationProperties: {},
      encodedBody: { kind: 'amqp', data: value.sections },
    };
    const decoded = amqpMessage.decode(toAmqp(peeked, 'peek'));
    expect(decoded.delivery_count).toBe(3);
    expect(decoded.message_annotations).toMatchObject({ 'x-opt-message-state': 1 });
    expect(decoded.message_annotations).not.toHaveProperty('x-opt-locked-until');
    expect(decoded.application_properties).toBeUndefined();
    expect(decoded.body).toEqual(['v', 1]);
  });
});
