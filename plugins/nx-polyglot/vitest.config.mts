import { defineConfig } from 'vitest/config';

/**
 * The e2e files of the fast tier: fixture workspaces and the tools' own servers,
 * no package registry and no copy of this repository. Every other e2e file is
 * of the release tier (README, "Tests").
 */
export const FAST_E2E = [
  'e2e/ci-workflow.spec.ts',
  'e2e/independent-groups.spec.ts',
  'e2e/live-output.spec.ts',
  'e2e/pack-install.spec.ts',
  'e2e/publish-summary.spec.ts',
  'e2e/real-shapes.spec.ts',
  'e2e/remote-cache-protocol.spec.ts',
  'e2e/repo-stage.spec.ts',
  'e2e/two-roots-version.spec.ts',
];

export default defineConfig({
  test: {
    // guards against hangs only: the CI machine has two cores and may be busy, so no honest run is cut short
    testTimeout: 900_000,
    hookTimeout: 600_000,
    // e2e suites start Nx, cargo and poetry; the machine has two cores
    fileParallelism: false,
    pool: 'forks',
    // the tiers: `vitest run --project <name>` (package.json scripts)
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.spec.ts'] } },
      { extends: true, test: { name: 'e2e-fast', include: FAST_E2E } },
      { extends: true, test: { name: 'e2e-release', include: ['e2e/**/*.spec.ts'], exclude: FAST_E2E } },
    ],
  },
});
