/** Exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  /** Invalid input, or a step that failed. */
  failure: 1,
  /** Wrong command line. */
  usage: 2,
  /** generated/ differs from a fresh compile (compile --check, diff). */
  drift: 3,
} as const;

/** A mistake in the command line: reported in one line with exit code 2. */
export class UsageError extends Error {}
