/** Canonical serialisation: one place, fixed options, so the same data always gives the same bytes. */
import { stringify } from 'yaml';

/**
 * Determinism rule: YAML with 2-space indent, no line folding, plain keys in the order the emitter built
 * them (emitters sort maps that come from user input), no anchors or aliases.
 */
export function toYaml(value: unknown): string {
  return stringify(value, { indent: 2, lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false, singleQuote: false, sortMapEntries: false });
}

/** Several YAML documents in one file, separated by ---. */
export function toYamlDocuments(values: readonly unknown[]): string {
  return values.map(toYaml).join('---\n');
}

/** Determinism rule: JSON with 2-space indent and a trailing newline. Numbers print as JavaScript prints them. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
