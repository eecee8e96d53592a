import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    allowOnly: process.env.CI !== 'true',
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'gateway/src/**/*.test.ts',
            'admin-ui/src/**/*.test.ts',
            'helm/**/*.test.ts',
            'bench/**/*.test.ts',
            'scripts/**/*.test.mjs',
          ],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['gateway/test/integration/**/*.int.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['admin-ui/test/**/*.e2e.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
