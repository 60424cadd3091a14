/** A command as a POSIX shell would need it typed: what --dry-run prints and the step logs record. */
export const commandLine = (argv: readonly string[]) => argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');

/** The last lines a tool wrote to stderr, on one line (the runner escapes terminal controls where it prints). */
export const stderrTail = (stderr: string, lines = 3) => stderr.trim().split('\n').filter(Boolean).slice(-lines).join(' ');

/** A failed command in one line: the command and the end of its stderr. */
export const toolFailure = (argv: readonly string[], stderr: string) => `${commandLine(argv)} failed: ${stderrTail(stderr)}`;
