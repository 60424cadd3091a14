/**
 * Every key path of every generated Helm values file exists in the pinned chart's real default values
 * (shared/reference/helm-charts). Keys whose default is an empty map or list are free-form.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { emitHelmValues } from '../../compiler/emit/helm/values.js';
import { PREREQUISITES } from '../../compiler/emit/shared/releases.js';
import { getOrInsert } from '../../compiler/lib/collections.js';
import { hasReference, referenceDir, repoRoot } from '../helpers/cli.js';
import { irOf } from '../helpers/platform.js';

const reference = join(referenceDir, 'helm-charts');
/** Charts the shared reference lacks: their default values, copied with their source into test/fixtures/charts. */
const fixtures = join(repoRoot, 'test/fixtures/charts');
const charts: Record<string, { version: string; values_file: string }> = {
  ...((hasReference ? JSON.parse(readFileSync(join(reference, 'charts.json'), 'utf8')) : {}) as Record<string, { version: string; values_file: string }>),
  'aws-node-termination-handler': { version: '0.27.6', values_file: join(fixtures, 'aws-node-termination-handler-0.27.6.values.yaml') },
};
/** A chart's default values, parsed once: every environment's values file of the chart is checked against them (read only). */
const defaults = (chart: string) => getOrInsert(chartDefaults, chart, () => parse(readFileSync(resolve(reference, charts[chart]!.values_file), 'utf8')) as Record<string, unknown>);
const chartDefaults = new Map<string, Record<string, unknown>>();

/** Valid keys that the charts document only in comments of values.yaml. Each names where. */
const COMMENTED_KEYS: Record<string, string[]> = {
  // aws-load-balancer-controller values.yaml line 386: "podDisruptionBudget: {}" with "#  maxUnavailable: 1".
  'aws-load-balancer-controller': ['podDisruptionBudget.maxUnavailable'],
  'kube-prometheus-stack': [],
  // fluent-bit: `env` items are free-form EnvVar objects.
  'fluent-bit': [],
  'nvidia-device-plugin': [],
  // cluster-autoscaler values.yaml lines 212-236: extraArgs lists these flags as comments.
  'cluster-autoscaler': ['extraArgs.balance-similar-node-groups', 'extraArgs.expander', 'extraArgs.scale-down-unneeded-time', 'extraArgs.scale-down-delay-after-add', 'extraArgs.skip-nodes-with-system-pods'],
  'dcgm-exporter': [],
  // karpenter values.yaml line 90: nodeSelector defaults to {kubernetes.io/os: linux}, a map of node labels like any other.
  karpenter: ['nodeSelector.platformc.dev/pool'],
};

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function unknownKeys(values: unknown, base: unknown, path: string, allowed: readonly string[]): string[] {
  if (!isMap(values)) return [];
  if (!isMap(base) || Object.keys(base).length === 0) return []; // free-form map, or a scalar default replaced by a map
  return Object.entries(values).flatMap(([k, v]) => {
    const p = path ? `${path}.${k}` : k;
    if (allowed.includes(p)) return [];
    if (!(k in base)) return [p];
    return unknownKeys(v, base[k], p, allowed);
  });
}

describe.skipIf(!hasReference).each(['platform.yaml', 'examples/multi-region-prod.yaml', 'examples/minimal-dev.yaml', 'examples/spot-cost-optimised.yaml'])('Helm values of %s', (spec) => {
  // Values files of the releases (helm/<env>/<release>.yaml); the chart platformc writes itself is under charts/.
  const files = emitHelmValues(irOf(spec)).filter((f) => f.path.split('/').length === 3 && !f.path.includes(`/${PREREQUISITES}.yaml`));
  it('has a values file per release and environment', () => expect(files.length).toBeGreaterThan(0));
  for (const f of files) {
    const release = f.path.split('/').pop()!.replace(/\.yaml$/, '');
    it(`${f.path}: every key exists in the chart's values`, () => {
      const values = parse(f.content) as Record<string, unknown>;
      // A release that sets no value (karpenter-crd) has no key to check.
      if (Object.keys(values).length === 0) return;
      // Every release's chart has its default values in the reference: none is left unchecked.
      expect(charts[release], `${release} has no values file in shared/reference/helm-charts`).toBeDefined();
      let base = defaults(release);
      if (release === 'kube-prometheus-stack') {
        // Subcharts: their keys live under grafana:, kube-state-metrics:, prometheus-node-exporter:.
        base = {
          ...base,
          grafana: { ...(base.grafana as object), ...defaults('grafana') },
          'kube-state-metrics': { ...(base['kube-state-metrics'] as object), ...defaults('kube-state-metrics') },
          'prometheus-node-exporter': { ...(base['prometheus-node-exporter'] as object), ...defaults('prometheus-node-exporter') },
        };
      }
      expect(unknownKeys(values, base, '', COMMENTED_KEYS[release] ?? [])).toEqual([]);
    });
  }
});
