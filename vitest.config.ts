import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Forks, not threads: the in-process CLI runner (test/helpers/cli.ts `run`) changes the working
    // directory, which worker threads cannot. One process per worker for all its files (isolate: false)
    // instead of one per file: the files share no state but what they restore themselves (the runner puts
    // back cwd, env and stdout; rename-faults.test.ts resets the modules around its node:fs mock).
    pool: 'forks',
    isolate: false,
    // One worker more than the cores. vitest's default is one less: on the 2-core CI machine a single worker,
    // and every file ran one after another while a core idled (the main process does little). Some files mostly
    // wait (the signal tests on grace times, the language server, the fake tools of ops runs): with a third
    // worker on the 2-core machine (the only one measured), `vitest run` was faster in 9 of 10 alternating pairs
    // (2.2 s on average, at 5 to 8% more CPU for the third worker's imports and compiles).
    maxWorkers: availableParallelism() + 1,
    env: {
      // promtool, terraform and kubectl are Go programs; promtool's rule evaluation over days of samples is
      // the suite's largest CPU cost, and collecting garbage less often saves about a fifth of it (memory
      // stays near 130 MB). No effect on what the tools compute.
      GOGC: '400',
    },
  },
});
