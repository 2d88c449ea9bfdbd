import { defineConfig } from 'vitest/config';

// Two projects, split by cost: `npm run test:unit` (no I/O, seconds) and `npm run test:integration` (real local
// servers: dynalite, s3rver, the local stack in child processes; CDK synth). `npm test` runs both.
export default defineConfig({
  test: {
    // The SDK warns on every client created under Node 20 (its support ends in 2027): noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], pool: 'threads', isolate: false },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
    ],
  },
});
