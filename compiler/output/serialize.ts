/** Canonical serialisation: one place, fixed options, so the same data always gives the same bytes. */
import { Document, isScalar, stringify, visit } from 'yaml';

/**
 * Determinism rule: YAML with 2-space indent, no line folding, plain keys in the order the emitter built
 * them (emitters sort maps that come from user input), no anchors or aliases.
 */
export function toYaml(value: unknown): string {
  return stringify(value, { indent: 2, lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false, singleQuote: false, sortMapEntries: false });
}

/**
 * The same YAML, with a trailing comment after every string scalar that has one in `comments` (e.g. the
 * release tag after an action pinned by commit SHA).
 */
export function toYamlWithComments(value: unknown, comments: Readonly<Record<string, string>>): string {
  const doc = new Document(value, { aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && Object.hasOwn(comments, node.value)) node.comment = ` ${comments[node.value]}`;
    },
  });
  return doc.toString({ indent: 2, lineWidth: 0, minContentWidth: 0, singleQuote: false });
}

/** Several YAML documents in one file, separated by ---. */
export function toYamlDocuments(values: readonly unknown[]): string {
  return values.map(toYaml).join('---\n');
}

/** Determinism rule: JSON with 2-space indent and a trailing newline. Numbers print as JavaScript prints them. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
