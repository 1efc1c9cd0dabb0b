import { describe, expect, it } from 'vitest';
import { installCoreModule } from '../../local/worker/core/coreModule.js';

describe('@azure/functions-core provided by the local host', () => {
  it('lets the real @azure/functions library register functions and hooks', async () => {
    const registry = installCoreModule();
    registry.reset();
    const { app } = await import('@azure/functions');
    app.http('coreProbe', { methods: ['GET'], route: 'probe/{id:int}', handler: async () => ({ body: 'ok' }) });
    app.hook.preInvocation(() => undefined);

    const fn = registry.functions.get('coreProbe');
    expect(fn?.metadata.name).toBe('coreProbe');
    const bindings = Object.values(fn?.metadata.bindings ?? {});
    expect(bindings).toContainEqual(
      expect.objectContaining({ type: 'httpTrigger', direction: 'in', route: 'probe/{id:int}', methods: ['GET'] }),
    );
    expect(fn?.metadata.bindings.$return).toMatchObject({ type: 'http', direction: 'out' });
    expect(registry.programmingModel?.name).toBe('@azure/functions');
    expect(registry.hooks.get('preInvocation')).toHaveLength(1);
  });

  it('rejects unknown hooks and registrations after indexing is locked', () => {
    const registry = installCoreModule();
    registry.reset();
    expect(() => registry.api.registerHook('nope', () => undefined)).toThrow(RangeError);
    registry.lockIndexing();
    expect(() => registry.api.registerFunction({ name: 'late', bindings: {} }, () => undefined)).toThrow(
      'A function can only be registered during app startup.',
    );
    registry.reset();
  });
});
