import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000, // the end-to-end files start several CLI processes per test; a loaded machine takes seconds for each
    hookTimeout: 120_000,
    // Browser tests poll the page until it shows what they expect; a loaded 2-core machine can take
    // several seconds to reload a list, far beyond expect.poll's default of one second.
    expect: { poll: { timeout: 15_000, interval: 100 } },
    // PostgreSQL-backed suites each create their own database, so files can run in parallel.
    pool: 'forks',
    // Most files wait on child processes, PostgreSQL or Chromium rather than on the CPU, so a 2-core
    // machine runs two at a time (vitest's default is one fewer than the cores).
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
})
