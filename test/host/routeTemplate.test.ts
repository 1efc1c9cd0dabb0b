import { describe, expect, it } from 'vitest';
import { compileRouteTemplate } from '../../local/host/core/routeTemplate.js';

describe('ASP.NET route templates', () => {
  it('matches case-insensitively and tolerates one trailing slash', () => {
    const t = compileRouteTemplate('orders/{id}');
    expect(t.match('Orders/42/')).toEqual({ id: '42' });
    expect(t.match('orders')).toBeUndefined();
    expect(t.match('orders/42/x')).toBeUndefined();
  });

  it('checks int, long, bool, min, max, length and datetime constraints', () => {
    expect(compileRouteTemplate('{n:int}').match('2147483648')).toBeUndefined();
    expect(compileRouteTemplate('{n:long}').match('2147483648')).toEqual({ n: '2147483648' });
    expect(compileRouteTemplate('{b:bool}').match('TRUE')).toEqual({ b: 'TRUE' });
    expect(compileRouteTemplate('{n:min(5)}').match('4')).toBeUndefined();
    expect(compileRouteTemplate('{n:max(5)}').match('5')).toEqual({ n: '5' });
    expect(compileRouteTemplate('{s:length(2,3)}').match('abcd')).toBeUndefined();
    expect(compileRouteTemplate('{d:datetime}').match('2026-01-02')).toEqual({ d: '2026-01-02' });
  });

  it('rejects unknown constraints and misplaced optional parameters with clear errors', () => {
    expect(() => compileRouteTemplate('{x:nope}')).toThrow("The constraint entry 'nope' could not be resolved");
    expect(() => compileRouteTemplate('{a?}/b')).toThrow('an optional parameter must be last');
    expect(() => compileRouteTemplate('{a}/{A}')).toThrow("'A' appears more than one time");
  });
});
