/**
 * The SLO and GPU rules are generated as PrometheusRule objects (prometheus/<env>/<name>.rules.yaml), the one
 * copy the Prometheus Operator reads; their `spec` is a Prometheus rule file, which is what promtool reads.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { FileOutput } from '../../compiler/output/files.js';

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

/**
 * The SLO rules of an environment as one loads them together (SLI recordings, the generic SLO rules, every
 * team's objectives): the generated PrometheusRule files among `files` under prometheus/<env>/.
 */
export const sloRuleFiles = (files: readonly FileOutput[], env: string): FileOutput[] =>
  files.filter((f) => f.path.startsWith(`prometheus/${env}/`) && /\/sl[io](-[^/]+)?\.rules\.yaml$/.test(f.path));

/** Every rule of the environment's SLO files. */
export const sloRules = (files: readonly FileOutput[], env: string): Json[] => sloRuleFiles(files, env).flatMap((f) => rulesOfFile(f.content));

/**
 * Plain rule files for promtool from generated PrometheusRule files (in memory, no generated tree needed),
 * written into a new folder; their paths.
 */
export function promtoolFiles(rules: readonly FileOutput[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'platformc-rules-'));
  return rules.map((f, i) => {
    const target = join(dir, `${i}-${basename(f.path)}`);
    writeFileSync(target, stringify({ groups: ruleGroups(f.content) }, { lineWidth: 0 }));
    return target;
  });
}

export interface PromtoolTest {
  readonly name?: string;
  readonly interval: string;
  readonly input_series: readonly { series: string; values: string }[];
  readonly alert_rule_test?: readonly Json[];
  readonly promql_expr_test?: readonly Json[];
}

/**
 * One `promtool test rules` run of many test groups over the same rule files (each group has its own series
 * and time line); the exit status and output. One run per test file: promtool starts in about 0.1 s, but it
 * evaluates every rule at every step of every group, so keep the series as short as the windows allow.
 * The groups are evaluated in the order of the files and of the groups in them (promtool's own order is that
 * of a Go map, so a rule may read another's value of this step or of the last one, run by run): recordings
 * come before the alerts that read them, in the generated files as in the lists tests pass.
 */
export function promtoolTest(ruleFiles: readonly string[], tests: readonly PromtoolTest[], evaluationInterval = '1m'): { status: number | null; output: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'platformc-promtest-')), 'test.yaml');
  const order = ruleFiles.flatMap((f) => ((parse(readFileSync(f, 'utf8')) as Json).groups as Json[]).map((g) => g.name as string));
  writeFileSync(file, stringify({ rule_files: ruleFiles, evaluation_interval: evaluationInterval, group_eval_order: order, tests }, { lineWidth: 0 }));
  const r = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  return { status: r.status, output: r.stdout + r.stderr };
}

/**
 * A counter's samples in promtool's expanding notation (`a+bxn`: n + 1 values a, a + b, ...), from per-minute
 * increments per segment: one sample a minute from 0, each segment going on from where the last one ended. The
 * increments must add up exactly in floating point (whole numbers, halves, quarters...): promtool adds them up,
 * and a segment that starts a hair below where the last ended (0.1 x 60 is 6.000000000000001) is a counter reset.
 */
export function counterValues(segments: readonly (readonly [perMinute: number, minutes: number])[]): string {
  let at = 0;
  return segments
    .map(([inc, n], i) => {
      if (!Number.isInteger(inc * 1024)) throw new Error(`counter increment ${inc} is no binary fraction: promtool's sums of it drift`);
      const s = i === 0 ? `0+${inc}x${n}` : `${at + inc}+${inc}x${n - 1}`;
      at += inc * n;
      return s;
    })
    .join(' ');
}
