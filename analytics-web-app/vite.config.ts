import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  test: {
    // Pure TS modules run in plain Node; component tests opt into happy-dom with a
    // `// @vitest-environment happy-dom` docblock.
    environment: 'node',
    include: ['src/**/*.test.{ts,tsx}'],
    reporters: ['default'],
    // Tests must be deterministic: pin the timezone so any Date formatting is stable.
    env: { TZ: 'UTC' },
  },
});
