import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start servers and child processes: forks keep Node's module system native,
    // which the Functions host needs for its `@azure/functions-core` require hook.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
