import { configDefaults, defineConfig } from 'vitest/config';

// Two groups: everything in parallel, then, once that has finished, the tests under `test/alone/`
// one at a time. Those load the machine themselves (stress-ng on both cores and the disk) and
// compare against the machine's own tools, so they must neither slow other tests nor be disturbed
// by them.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: one, on the 2-core machines the suite
    // runs on, which left a core idle while most tests wait on NATS, PostgreSQL or a child process.
    // Two workers took the suite from 744-826 s to 516 s there (2026-12-07).
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'parallel',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/alone/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'alone',
          include: ['test/alone/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
