import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two cores: keep the pool small so end-to-end suites that spawn `pos start` do not starve.
    maxWorkers: 2,
    testTimeout: 30_000,
  },
});
