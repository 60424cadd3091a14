/**
 * Scale to zero outside working hours, the Kubernetes way (issue #17 item 4, TF review #25): CronJobs in the team
 * namespace with a least-privilege Role, valid against the strict schemas after kustomize, restricted pods, a
 * script that really issues the scale PATCHes (run with a stand-in curl), no ASG scheduled actions, and no-data
 * alerts that stay silent while a model is scheduled off but page when it should be up (promtool).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { estimatePlatform } from '../../compiler/cost/estimate.js';
import { WORKING_HOURS_SCALER } from '../../compiler/emit/kubernetes/working-hours.js';
import { checkPlatform } from '../../compiler/pipeline.js';
import { hasReference, hasTool, repoRoot } from '../helpers/cli.js';
import { kubectlKustomize, schemaProblems } from '../helpers/kube.js';
import { filesOf, irOf } from '../helpers/platform.js';
import { restrictedViolations } from './pod-security.js';
import { promtoolFiles, promtoolTest, sloRuleFiles } from '../helpers/rules.js';

type Json = Record<string, any>;
const kubectl = hasTool('kubectl', ['version', '--client']);
const promtool = hasTool('promtool');
const SPEC = 'examples/spot-cost-optimised.yaml';

const ir = irOf(SPEC);
const files = filesOf(ir);
const dev = ir.environments.find((e) => e.name === 'dev')!;
const region = dev.regions[0]!;
const objectsOf = (path: string) => files.find((f) => f.path === path)!.content.split('\n---\n').map((x) => parse(x) as Json);
const schedule = objectsOf(`kustomize/overlays/dev/${region.region}/platform/working-hours.yaml`);
const cron = (phase: string) => schedule.find((o) => o.kind === 'CronJob' && o.metadata.name === `working-hours-${phase}`)!;

describe('working-hours CronJobs', () => {
  it('stop at the end and start at the beginning of the working day, in its time zone', () => {
    // dev: mon-fri 08:00-20:00 Europe/Berlin
    expect([cron('stop').spec.schedule, cron('stop').spec.timeZone]).toEqual(['0 20 * * 1,2,3,4,5', 'Europe/Berlin']);
    expect([cron('start').spec.schedule, cron('start').spec.timeZone]).toEqual(['0 8 * * 1,2,3,4,5', 'Europe/Berlin']);
  });

  it('exist only where there are working hours, and no Terraform schedules an Auto Scaling group', () => {
    expect(files.some((f) => f.path === `kustomize/overlays/prod/${region.region}/platform/working-hours.yaml`)).toBe(false);
    expect(files.filter((f) => f.content.includes('aws_autoscaling_schedule')).map((f) => f.path)).toEqual([]);
  });

  it('may only patch the scale of their own namespace\'s model Deployments', () => {
    const role = schedule.find((o) => o.kind === 'Role')!;
    expect(role.metadata.namespace).toBe('lab');
    expect(role.rules).toEqual([{ apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: region.deployments.map((d) => d.workload).sort(), verbs: ['patch'] }]);
    const binding = schedule.find((o) => o.kind === 'RoleBinding')!;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: WORKING_HOURS_SCALER, namespace: 'lab' }]);
    expect(schedule.find((o) => o.kind === 'ServiceAccount')!.automountServiceAccountToken).toBe(false);
    for (const phase of ['start', 'stop']) expect(cron(phase).spec.jobTemplate.spec.template.spec.serviceAccountName).toBe(WORKING_HOURS_SCALER);
  });

  it('run restricted pods on the general pool with an image pinned in specs/versions.json', () => {
    for (const phase of ['start', 'stop']) {
      const pod = cron(phase).spec.jobTemplate.spec.template.spec;
      expect(restrictedViolations(pod)).toEqual([]);
      expect(pod.nodeSelector).toEqual({ 'platformc.dev/pool': 'general' });
      expect(pod.containers[0].image).toBe(`${ir.versions.images.curl!.repository}:${ir.versions.images.curl!.tag}`);
      expect(pod.containers[0].image).toMatch(/:\d+\.\d+\.\d+$/);
    }
  });

  it.skipIf(!kubectl || !hasReference)('build with kustomize and validate against the strict schemas', () => {
    const built = kubectlKustomize(files, `kustomize/overlays/dev/${region.region}`);
    const ours = built.filter((o) => (o.metadata as Json).labels?.['app.kubernetes.io/name'] === WORKING_HOURS_SCALER);
    expect(ours.map((o) => o.kind).sort()).toEqual(['CronJob', 'CronJob', 'NetworkPolicy', 'Role', 'RoleBinding', 'ServiceAccount']);
    expect(ours.flatMap(schemaProblems)).toEqual([]);
  });

  /** Runs a CronJob's script with a stand-in curl that records its arguments and exits with `status`. */
  function runScript(phase: string, status: number): { code: number | null; calls: string[]; stdout: string } {
    const dir = mkdtempSync(join(tmpdir(), 'platformc-wh-run-'));
    const sa = join(dir, 'sa');
    mkdirSync(join(dir, 'bin'));
    mkdirSync(sa);
    writeFileSync(join(sa, 'token'), 'TOKEN');
    writeFileSync(join(dir, 'bin/curl'), `#!/bin/sh\nprintf '%s\\n' "$*" >> ${dir}/calls\nexit ${status}\n`);
    chmodSync(join(dir, 'bin/curl'), 0o755);
    const script = (cron(phase).spec.jobTemplate.spec.template.spec.containers[0].command[2] as string).replaceAll('/var/run/secrets/kubernetes.io/serviceaccount', sa);
    const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', env: { PATH: `${dir}/bin:/usr/bin:/bin`, KUBERNETES_SERVICE_HOST: '172.20.0.1', KUBERNETES_SERVICE_PORT: '443' } });
    let calls: string[] = [];
    try {
      calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
    } catch {
      // no call made
    }
    return { code: r.status, calls, stdout: r.stdout };
  }

  it('PATCH each Deployment\'s scale subresource: to 0 at night, to replicas.min in the morning', () => {
    for (const [phase, want] of [['stop', () => 0], ['start', (min: number) => min]] as const) {
      const r = runScript(phase, 0);
      expect(r.code).toBe(0);
      expect(r.calls).toHaveLength(region.deployments.length);
      region.deployments.forEach((d, i) => {
        expect(r.calls[i]).toContain(`-X PATCH https://172.20.0.1:443/apis/apps/v1/namespaces/${d.namespace}/deployments/${d.workload}/scale`);
        expect(r.calls[i]).toContain(`-d {"spec":{"replicas":${want(d.replicas.min)}}}`);
        expect(r.calls[i]).toContain('Authorization: Bearer TOKEN');
        expect(r.calls[i]).toContain('Content-Type: application/merge-patch+json');
      });
    }
  });

  it('fail the Job when the API refuses (the first failed PATCH stops the script)', () => {
    const r = runScript('stop', 22);
    expect(r.code).not.toBe(0);
    expect(r.calls).toHaveLength(1);
  });
});

describe('GPU pools of an environment with working hours', () => {
  /** The example with an edit, checked where its ../models/ paths resolve. */
  function check(edit: (s: string) => string) {
    const dir = mkdtempSync(join(tmpdir(), 'platformc-wh-spec-'));
    mkdirSync(join(dir, 'examples'));
    symlinkSync(join(repoRoot, 'models'), join(dir, 'models'));
    writeFileSync(join(dir, 'examples/spot.yaml'), edit(readFileSync(join(repoRoot, SPEC), 'utf8')));
    return checkPlatform(join(dir, 'examples/spot.yaml'), { display: 'spot.yaml', compilerVersion: '0.0.0-test' });
  }
  // A floor is cluster-autoscaler's: a Karpenter GPU pool keeps no node (karpenter-pool-minimum says so).
  const onNodeGroups = (s: string) => s.replace('provisioner: karpenter', 'provisioner: cluster-autoscaler');
  const floorOne = (s: string) => onNodeGroups(s).replace('        gpu-spot: { maxSize: 2 }', '        gpu-spot: { minSize: 1, maxSize: 2 }');
  const floor = (r: ReturnType<typeof check>) => r.diagnostics.filter((d) => d.code === 'working-hours-pool-floor');

  it('may go down to zero nodes; a minSize above 0 is flagged at the value that sets it', () => {
    expect(floor(check(onNodeGroups))).toEqual([]);
    const karpenter = check((s) => s.replace('        gpu-spot: { maxSize: 2 }', '        gpu-spot: { minSize: 1, maxSize: 2 }'));
    expect(floor(karpenter)).toEqual([]);
    expect(karpenter.diagnostics.map((d) => d.code)).toContain('karpenter-pool-minimum');
    // At the dev override's line (gpu-spot: { maxSize: 2 } in the example, where floorOne sets minSize 1).
    const line = readFileSync(join(repoRoot, SPEC), 'utf8').split('\n').indexOf('        gpu-spot: { maxSize: 2 }') + 1;
    expect(line).toBeGreaterThan(0);
    expect(floor(check(floorOne)).map((d) => [d.line, d.severity, d.message])).toEqual([[line, 'warning', "GPU pool 'gpu-spot' keeps 1 node(s) running outside the working hours of 'dev': the autoscaler never goes below minSize"]]);
  });

  it('run in the estimate only during working hours, apart from minSize nodes', () => {
    const hours = (r: ReturnType<typeof check>) => estimatePlatform(r.ir!).environments.find((x) => x.env === 'dev')!.regions[0]!.resources.find((x) => x.name === 'node pool gpu-spot')!.components[0]!.quantity;
    // dev: mon-fri 08:00-20:00 = 60 h a week = 60 x 730 / 168 = 260.71 h a month. The two models' replicas.min force
    // two 1-GPU nodes during the day: 521.42 h; at night none.
    expect(hours(check((s) => s)).min).toBe(521.42);
    expect(hours(check(onNodeGroups)).min).toBe(521.42);
    // With minSize 1, one of them also runs the other 469.29 h: 521.42 + 469.29 = 990.71.
    expect(hours(check(floorOne)).min).toBe(990.71);
  });
});

describe.skipIf(!promtool)('no-data alerts and the schedule (promtool test rules)', () => {
  const [d, other] = region.deployments;
  const replicas = (m: string) => `kube_deployment_spec_replicas{job="kube-state-metrics",namespace="lab",deployment="triton-${m}"}`;
  const up = (m: string) => `up{job="triton-${m}",namespace="lab",service="triton-${m}",endpoint="metrics",pod="triton-${m}-6f7c-abcde",container="triton"}`;
  const down = (env: string, model: string) => ({
    exp_labels: { severity: 'page', model, namespace: 'lab', team: 'lab', platform: ir.name, environment: env },
    exp_annotations: { summary: `${model}: no Triton pod is scraped`, description: `Prometheus has no healthy target for the Service of ${model} in lab (${env}): the model is down or not scraped, and its SLOs have no data.` },
  });
  /**
   * A test group: the series of the model under test, and the other model up (with a replica throughout, unless
   * told otherwise); which models TritonDown fires for at each time.
   */
  const group = (env: string, name: string, series: [string, string][], checks: [at: string, models: string[]][], otherReplicas = '1x300') => ({
    name,
    interval: '1m',
    input_series: [...series, [replicas(other!.model), otherReplicas], [up(other!.model), '1x300']].map(([s, values]) => ({ series: s, values })),
    alert_rule_test: checks.map(([at, models]) => ({ eval_time: at, alertname: 'TritonDown', exp_alerts: models.map((m) => down(env, m)) })),
  });
  const run = (env: string, groups: object[]) => {
    const r = promtoolTest(promtoolFiles(sloRuleFiles(files, env)), groups as never);
    expect(r.status, r.output).toBe(0);
  };

  it('stay silent while the schedule holds a model at zero and for 30 minutes after it starts again; page when it should be up and is not (dev, one run)', () => {
    const m = d!.model;
    run('dev', [
      // Up for an hour, scheduled off for two, back at 180m; Triton is scraped again at 205m.
      group('dev', 'scheduled off', [[replicas(m), '1x60 0x120 1x120'], [up(m), '1x60 _x145 1x95']], [['100m', []], ['200m', []], ['290m', []]]),
      // Back at 180m but never scraped again: silent until 210m, then pending 15 minutes, firing by 240m.
      group('dev', 'never back', [[replicas(m), '1x60 0x120 1x120'], [up(m), '1x60 _x240']], [['200m', []], ['240m', [m]]]),
      // Down in the middle of the working day, with replicas asked for.
      group('dev', 'down at noon', [[replicas(m), '1x120'], [up(m), '1x10 _x110']], [['40m', [m]]]),
      // Another model at zero replicas silences nothing of this one: the join is per model.
      group('dev', 'another model at zero', [[replicas(m), '1x120'], [up(m), '_x120']], [['40m', [m]]], '0x120'),
    ]);
  });

  it('page in an environment without working hours even at zero replicas (nothing scales it there on purpose)', () => {
    run('prod', [group('prod', 'zero in prod', [[replicas(d!.model), '0x120'], [up(d!.model), '_x120']], [['40m', [d!.model]]])]);
  });
});
