import { describe, expect, it } from 'vitest';
import { settingLookup } from '../../local/host/appSettings.js';
import { resolveTemplate } from '../../local/host/core/bindingExpressions.js';
import { httpBindingData } from '../../local/host/http/httpBindingData.js';
import { collectQuery } from '../../local/host/http/toRpcHttpRequest.js';

const ctx = {
  setting: settingLookup({ Queue: 'jobs' }),
  now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 6),
  newGuid: () => '0f8fad5b-d9cb-469f-a165-70867728950e',
};

describe('binding expressions', () => {
  it('resolves settings, nested case-insensitive paths and built-ins with formats', () => {
    const data = { query: { User: 'ann' }, headers: { 'x-id': '9' } };
    expect(resolveTemplate('%queue%-{Query.user}-{HEADERS.X-ID}', data, ctx, 'f')).toBe('jobs-ann-9');
    expect(resolveTemplate('{rand-guid:N}', data, ctx, 'f')).toBe('0f8fad5bd9cb469fa16570867728950e');
    expect(resolveTemplate('{datetime:yyyy/MM/dd}', data, ctx, 'f')).toBe('2026/01/02');
    expect(resolveTemplate('{sys.utcnow}', data, ctx, 'f')).toBe('2026-01-02T03-04-05Z');
    expect(resolveTemplate('{sys.methodname}', data, ctx, 'myFunction')).toBe('myFunction');
  });

  it('fails with the host messages for missing values and settings', () => {
    expect(() => resolveTemplate('{query.none}', { query: {} }, ctx, 'f')).toThrow(
      "No value for named parameter 'query.none'.",
    );
    expect(() => resolveTemplate('%Missing%', {}, ctx, 'f')).toThrow("'%Missing%' does not resolve to a value.");
    expect(() => resolveTemplate('{query}', { query: {} }, ctx, 'f')).toThrow('only simple values');
  });

  it('keeps client-chosen keys such as __proto__ as plain data, and never resolves what objects inherit', () => {
    const query = collectQuery(new URLSearchParams('__proto__=q&constructor=c&user=ann'));
    expect(Object.keys(query)).toEqual(['__proto__', 'constructor', 'user']);
    const data = httpBindingData({
      body: Buffer.from('{"__proto__":{"polluted":"yes"},"hasOwnProperty":"h"}'),
      query,
      params: {},
      headers: { 'x-ms-client-principal-id': 'alice' },
    });
    expect(Object.getPrototypeOf(data)).toBeNull();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(resolveTemplate('{constructor}-{hasOwnProperty}-{query.__proto__}', data, ctx, 'f')).toBe('c-h-q');
    expect(() => resolveTemplate('{polluted}', data, ctx, 'f')).toThrow("No value for named parameter 'polluted'.");
    expect(() => resolveTemplate('{headers.toString}', data, ctx, 'f')).toThrow('No value for named parameter');
    expect(() => resolveTemplate('{query.valueOf}', { query: {} }, ctx, 'f')).toThrow('No value for named parameter');
  });
});
