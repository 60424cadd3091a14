// Runs the CLI as bin/platformc.js does, in this process, and reports its peak memory (maxRSS) on stderr
// as `maxrss=<KiB>`.
process.on('exit', () => process.stderr.write(`\nmaxrss=${process.resourceUsage().maxRSS}\n`));
await import('../bin/platformc.js');
