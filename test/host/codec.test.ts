import { describe, expect, it } from 'vitest';
import { fromRpcTypedData, textOf, toRpcMetadata, toRpcTypedData } from '../../local/host/codec/index.js';

describe('fromRpcTypedData: what the worker sent, as the host holds it', () => {
  const bytes = new Uint8Array([104, 105]);
  it.each([
    ['string (kept as text, never JSON-parsed)', { string: '{"a":1}' }, '{"a":1}'],
    ['json', { json: '{"a":[1,2]}' }, { a: [1, 2] }],
    ['json null', { json: 'null' }, null],
    ['bytes', { bytes }, Buffer.from('hi')],
    ['stream', { stream: bytes }, Buffer.from('hi')],
    ['http', { http: { statusCode: '201' } }, { statusCode: '201' }],
    ['int', { int: 7 }, 7],
    ['double', { double: 1.5 }, 1.5],
    ['collection of strings', { collectionString: { string: ['a', 'b'] } }, ['a', 'b']],
    ['collection of bytes', { collectionBytes: { bytes: [bytes] } }, [Buffer.from('hi')]],
    ['collection of doubles', { collectionDouble: { double: [0.5] } }, [0.5]],
    ['collection of sint64', { collectionSint64: { sint64: [3] } }, [3]],
    ['an empty TypedData', {}, undefined],
    ['null', null, undefined],
    ['undefined', undefined, undefined],
  ])('%s', (_, data, expected) => {
    expect(fromRpcTypedData(data)).toEqual(expected);
  });

  it('gives bytes as a Buffer over the same memory, not a copy', () => {
    const source = new Uint8Array([1, 2, 3, 4]).subarray(1, 3);
    const value = fromRpcTypedData({ bytes: source }) as Buffer;
    expect(Buffer.isBuffer(value)).toBe(true);
    expect([...value]).toEqual([2, 3]);
    expect(value.buffer).toBe(source.buffer);
  });
});

describe('toRpcTypedData: what the host sends the worker', () => {
  it.each([
    ['a string', 'text', { string: 'text' }],
    ['an empty string', '', { string: '' }],
    ['a Buffer', Buffer.from('hi'), { bytes: Buffer.from('hi') }],
    ['a Uint8Array', new Uint8Array([1]), { bytes: new Uint8Array([1]) }],
    ['an integer', 5, { json: '5' }],
    ['a double', 2.5, { json: '2.5' }],
    ['a boolean', false, { json: 'false' }],
    ['an object', { a: { b: 1 } }, { json: '{"a":{"b":1}}' }],
    ['an array', ['a', 1], { json: '["a",1]' }],
    ['a date (ISO text in JSON)', new Date(Date.UTC(2026, 0, 2)), { json: '"2026-01-02T00:00:00.000Z"' }],
    ['null', null, undefined],
    ['undefined', undefined, undefined],
  ])('%s', (_, value, expected) => {
    expect(toRpcTypedData(value)).toEqual(expected);
  });

  it('round-trips through fromRpcTypedData for JSON values and bytes', () => {
    for (const value of [{ a: 1 }, [1, 'x'], 3, true, Buffer.from('z')]) {
      expect(fromRpcTypedData(toRpcTypedData(value))).toEqual(value);
    }
  });
});

describe('toRpcMetadata', () => {
  it('leaves out unset values, and a __proto__ key from a message body is only a key', () => {
    const body = JSON.parse('{"__proto__":{"polluted":true},"id":"o-1"}') as Record<string, unknown>;
    const metadata = toRpcMetadata({ ...body, MessageId: 'm-1', SessionId: undefined, To: null });
    expect(Object.keys(metadata).sort()).toEqual(['MessageId', '__proto__', 'id']);
    expect(metadata.id).toEqual({ string: 'o-1' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(metadata)).toBeNull();
  });
});

describe('textOf', () => {
  it('keeps strings, decodes bytes as UTF-8 and writes anything else as JSON', () => {
    expect(textOf('a')).toBe('a');
    expect(textOf(Buffer.from('é'))).toBe('é');
    expect(textOf({ a: 1 })).toBe('{"a":1}');
    expect(textOf(undefined)).toBe('');
  });
});
