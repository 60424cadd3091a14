/**
 * The one pipeline every command runs: load -> structure -> semantics (front), the auto instance check,
 * resolve once, the checks that need the IR (capacity, availability of rollouts, budget); then emit and frame
 * (compiler/generate.ts, apart so that validate loads no emitter). Commands stop where they need to: validate
 * after the checks, compile after framing, ops with the IR.
 */
import { checkBudget, checkCapacity } from './cost/checks.js';
import { hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics/diagnostic.js';
import type { DiagnosticCode } from './diagnostics/codes.js';
import { validateFile, type Validated } from './front/validate.js';
import { checkAutoPools } from './resolve/auto-instance.js';
import { checkRolloutAvailability } from './resolve/availability.js';
import { checkNameCollisions } from './resolve/collisions.js';
import type { PlatformIR } from './resolve/ir.js';
import { resolvePlatform } from './resolve/resolve.js';

export interface Checked {
  /** Every problem found, sorted by position. */
  readonly diagnostics: readonly Diagnostic[];
  /** The validated spec, when the front end found no error. */
  readonly validated?: Validated;
  /** The IR, when no error was found other than the tolerated ones. */
  readonly ir?: PlatformIR;
  /** Set when the file was a model definition (CheckOptions.modelDefinitions). */
  readonly kind?: 'ModelDefinition';
}

export interface CheckOptions {
  readonly compilerVersion: string;
  /** The file name diagnostics show (default: the path). */
  readonly display?: string;
  /** `validate` also checks a model definition given on its own (models/x.yaml). */
  readonly modelDefinitions?: boolean;
  /** Errors that still give an IR: `cost` explains an over-budget estimate instead of refusing it. */
  readonly tolerate?: readonly DiagnosticCode[];
}

/** Validates platform.yaml and everything that needs the resolved platform; resolves once. */
export function checkPlatform(file: string, options: CheckOptions): Checked {
  const front = validateFile(file, options.display ?? file, { modelDefinitions: options.modelDefinitions });
  if (!front.validated) return { diagnostics: front.diagnostics, ...(front.kind ? { kind: front.kind } : {}) };
  const validated = front.validated;
  const auto = checkAutoPools(validated);
  if (hasErrors(auto)) return { diagnostics: sortDiagnostics([...front.diagnostics, ...auto]), validated };
  const ir = resolvePlatform(validated, { compilerVersion: options.compilerVersion });
  const capacity = [...checkNameCollisions(ir, validated.source), ...checkCapacity(ir, validated.source), ...checkRolloutAvailability(ir, validated.source)];
  // The budget gate reads the estimate, which only means something once capacity holds.
  const budget = hasErrors(capacity) ? [] : checkBudget(ir, validated.source);
  const diagnostics = sortDiagnostics([...front.diagnostics, ...auto, ...capacity, ...budget]);
  const tolerated = new Set(options.tolerate ?? []);
  const blocking = diagnostics.filter((d) => !tolerated.has(d.code));
  return hasErrors(blocking) ? { diagnostics, validated } : { diagnostics, validated, ir };
}
