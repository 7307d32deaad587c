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
