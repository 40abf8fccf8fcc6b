import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.spec.ts', 'e2e/**/*.spec.ts'],
    // guards against hangs only: the CI machine has two cores and may be busy, so no honest run is cut short
    testTimeout: 900_000,
    hookTimeout: 600_000,
    // e2e suites start Nx, cargo and poetry; the machine has two cores
    fileParallelism: false,
    pool: 'forks',
  },
});
