// Runs the CLI in this process and reports its peak memory (maxRSS) on stderr as `maxrss=<KiB>`.
process.on('exit', () => process.stderr.write(`\nmaxrss=${process.resourceUsage().maxRSS}\n`));
const { main } = await import('../dist/main.js');
await main(process.argv.slice(2));
