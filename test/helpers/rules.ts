/**
 * The SLO and GPU rules are generated as PrometheusRule objects (prometheus/<env>/<name>.rules.yaml), the one
 * copy the Prometheus Operator reads; their `spec` is a Prometheus rule file, which is what promtool reads.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';

type Json = Record<string, any>;

/** The rule groups of a generated PrometheusRule file's content. */
export function ruleGroups(content: string): Json[] {
  const o = parse(content) as Json;
  if (o.apiVersion !== 'monitoring.coreos.com/v1' || o.kind !== 'PrometheusRule') throw new Error('not a PrometheusRule');
  return o.spec.groups as Json[];
}

/** Every rule of a generated PrometheusRule file's content. */
export const rulesOfFile = (content: string): Json[] => ruleGroups(content).flatMap((g) => g.rules as Json[]);

/**
 * A plain rule file for promtool from a generated PrometheusRule (`path` relative to the generated tree `out`),
 * written beside the tree (under `<out>.promtool/`, never inside it); its path.
 */
export function promtoolFile(out: string, path: string): string {
  const target = join(`${out}.promtool`, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, stringify({ groups: ruleGroups(readFileSync(join(out, path), 'utf8')) }, { lineWidth: 0 }));
  return target;
}
