/** The front end: platform.yaml (and the model definitions it names) to a validated spec, or diagnostics. */
import { dirname, join, normalize } from 'node:path';
import { ModelDefinitionSchema, PlatformSchema, type ModelDefinition, type PlatformSpec } from '../../schema/platform.js';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/diagnostic.js';
import { checkSemantics, checkSecrets } from './semantic.js';
import { NO_INVALID_PARTS, validParts } from './partial.js';
import { loadSource, type Source } from './source.js';
import { checkStructure } from './structure.js';

export interface Validated {
  readonly source: Source;
  readonly spec: PlatformSpec;
  /** Model definitions by the path platform.yaml names them with (e.g. models/resnet50.yaml). */
  readonly models: ReadonlyMap<string, ModelDefinition>;
  /** Folder of platform.yaml; model paths are relative to it. */
  readonly root: string;
}

export interface ValidationResult {
  readonly diagnostics: readonly Diagnostic[];
  readonly validated?: Validated;
}

/**
 * The front end: reads and validates a platform.yaml file (structure, then meaning: of the whole file, or of
 * its structurally valid parts, see partial.ts). Diagnostics are sorted by file and position; `validated` is
 * set when there is no error. Checks that need the resolved platform
 * (capacity, budget) run in the pipeline (compiler/pipeline.ts).
 */
export function validateFile(path: string, display: string = path): ValidationResult {
  const loaded = loadSource(path, display);
  if (!loaded.source) return { diagnostics: loaded.diagnostics };
  const source = loaded.source;
  const secrets = checkSecrets(source);
  const structure = checkStructure(PlatformSchema, source);
  // With structural errors, the meaning of the valid parts is still checked (one run reports everything).
  const partial = structure.value ? { raw: source.value as Record<string, unknown>, spec: structure.value, invalid: NO_INVALID_PARTS } : validParts(source.value, structure.problems);
  if (!partial) return { diagnostics: sortDiagnostics([...secrets, ...structure.diagnostics]) };
  const { spec } = partial;
  const root = dirname(path);
  const models = new Map<string, ModelDefinition>();
  const modelDiagnostics: Diagnostic[] = [];
  for (const [name, model] of Object.entries(spec.models)) {
    if (models.has(model.definition)) continue;
    // Shown relative to where platformc runs, like the platform.yaml path, so editors can open it.
    const loadedDef = loadSource(join(root, model.definition), normalize(join(dirname(display), model.definition)));
    if (!loadedDef.source) {
      const missing = loadedDef.diagnostics[0]?.code === 'file-unreadable';
      modelDiagnostics.push(
        missing
          ? diagnostic('model-definition', { path: model.definition, problem: `cannot be read: ${loadedDef.diagnostics[0]!.message}` }, source.file, source.span(['models', name, 'definition']), 'model definitions live under models/ next to platform.yaml')
          : loadedDef.diagnostics[0]!,
        ...(missing ? [] : loadedDef.diagnostics.slice(1)),
      );
      continue;
    }
    const def = checkStructure(ModelDefinitionSchema, loadedDef.source);
    modelDiagnostics.push(...def.diagnostics);
    if (def.value) models.set(model.definition, def.value);
    else modelDiagnostics.push(diagnostic('model-definition', { path: model.definition, problem: 'is invalid (see the errors in that file)' }, source.file, source.span(['models', name, 'definition'])));
  }
  const semantic = checkSemantics(source, partial, models);
  const diagnostics = sortDiagnostics([...secrets, ...structure.diagnostics, ...modelDiagnostics, ...semantic]);
  return hasErrors(diagnostics) ? { diagnostics } : { diagnostics, validated: { source, spec, models, root } };
}
