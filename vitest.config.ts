import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/network.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests spawn real server processes; two cores do not gain from more workers.
    maxWorkers: 2,
    // @actions/workflow-parser imports .json without import attributes: vite must transform it.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
})
