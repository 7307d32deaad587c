import { configDefaults, defineConfig } from 'vitest/config';

// Two groups: first everything else, two files at a time; then, once that has finished, the files
// below one at a time.
//
// Most tests wait on NATS, PostgreSQL or a child process, so two workers on the 2-core machines
// the suite runs on take it from about 14-16 minutes to about 9 (Vitest's default is one worker
// fewer than the cores: one). The files run alone are those that must neither slow the others nor
// be slowed by them:
// - `test/alone/`: loads the machine itself (stress-ng on both cores and the disk) and compares
//   against the machine's own tools;
// - CPU profiles whose hottest functions are asserted: under the other worker's load a busy loop
//   ends before the profile does, or the profile's own sampling thread falls behind (two of seven
//   two-worker runs failed on them on 2026-12-07, before they ran alone).
const ALONE = [
  'test/alone/**/*.test.ts',
  'test/profile-capture-service.test.ts',
  'test/profile-capture-targets.test.ts',
  'test/sdk-profile.test.ts',
  'test/optimize-e2e-agent-profile.test.ts',
  'src/profile/capture/eager-cpu-profiler.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'parallel',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...ALONE],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'alone',
          include: ALONE,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
