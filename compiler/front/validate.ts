/** The front end: platform.yaml (and the model definitions it names) to a validated spec, or diagnostics. */
import { dirname, join, normalize } from 'node:path';
import { ModelDefinitionSchema, PlatformSchema, type ModelDefinition, type PlatformSpec } from '../../schema/platform.js';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/diagnostic.js';
import { checkSemantics, checkSecrets } from './semantic.js';
import { isPlainObject } from './merge.js';
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
  /** Set when the file was a model definition, checked on its own (FrontOptions.modelDefinitions). */
  readonly kind?: 'ModelDefinition';
}

export interface FrontOptions {
  /** Accept a model definition (models/x.yaml) and check it against its schema; otherwise it is an error. */
  readonly modelDefinitions?: boolean;
}

/**
 * A model definition, by its kind, or by its shape when the kind is missing or misspelt: the keys only a model
 * definition has and none of a platform's sections. Checked against the platform schema, it would get a
 * dozen "unknown key" errors that do not help.
 */
export function isModelDefinition(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  if (v.kind === 'ModelDefinition') return true;
  if (v.kind === 'Platform') return false;
  const own = ['inputs', 'outputs', 'weights', 'backend', 'maxBatchSize', 'throughput'].filter((k) => Object.hasOwn(v, k)).length;
  const platform = ['metadata', 'nodePools', 'models', 'environments', 'regions', 'teams', 'budget'].some((k) => Object.hasOwn(v, k));
  return own >= 2 && !platform;
}

/**
 * The front end: reads and validates a platform.yaml file (structure, then meaning: of the whole file, or of
 * its structurally valid parts, see partial.ts). Diagnostics are sorted by file and position; `validated` is
 * set when there is no error. Checks that need the resolved platform
 * (capacity, budget) run in the pipeline (compiler/pipeline.ts).
 */
export function validateFile(path: string, display: string = path, options: FrontOptions = {}): ValidationResult {
  const loaded = loadSource(path, display);
  if (!loaded.source) return { diagnostics: loaded.diagnostics };
  const source = loaded.source;
  if (isModelDefinition(source.value)) {
    if (!options.modelDefinitions) {
      return { diagnostics: [diagnostic('not-a-platform', { file: display }, display, source.span(['kind']), 'pass the platform.yaml whose models.<name>.definition names it (`platformc validate` checks a model definition on its own)')] };
    }
    return { diagnostics: sortDiagnostics(checkStructure(ModelDefinitionSchema, source).diagnostics), kind: 'ModelDefinition' };
  }
  const secrets = checkSecrets(source);
  const structure = checkStructure(PlatformSchema, source);
  // With structural errors, the meaning of the valid parts is still checked (one run reports everything).
  const partial = structure.value ? { raw: source.value as Record<string, unknown>, spec: structure.value, invalid: NO_INVALID_PARTS } : validParts(source.value, structure.problems);
  if (!partial) return { diagnostics: sortDiagnostics([...secrets, ...structure.diagnostics]) };
  const { spec } = partial;
  const root = dirname(path);
  const models = new Map<string, ModelDefinition>();
  const modelDiagnostics: Diagnostic[] = [];
  // The definitions of models cut for an error of their own are checked too, when their path is valid.
  const rawModels = partial.invalid.touches(['models']) && isPlainObject(source.value) && isPlainObject((source.value as Record<string, unknown>).models) ? ((source.value as Record<string, unknown>).models as Record<string, unknown>) : {};
  const cut = Object.entries(rawModels).flatMap(([name, m]): [string, { definition: string }][] => {
    if (Object.hasOwn(spec.models, name) || !isPlainObject(m)) return [];
    const definition = PlatformSchema.shape.models._zod.def.valueType.shape.definition.safeParse(m.definition);
    return definition.success ? [[name, { definition: definition.data }]] : [];
  });
  for (const [name, model] of [...Object.entries(spec.models), ...cut]) {
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
