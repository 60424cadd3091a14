// Preloaded (`node --require bench/measure.cjs bin/platformc.js ...`), so that the CLI runs exactly as a user
// starts it, and reports on stderr its peak memory (maxRSS, KiB) and the CPU time it used (user + system, ms:
// unlike wall time, hardly affected by other processes on a shared machine) as `maxrss=<KiB> cpu=<ms>`.
'use strict';
process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  process.stderr.write(`\nmaxrss=${process.resourceUsage().maxRSS} cpu=${((user + system) / 1000).toFixed(1)}\n`);
});
