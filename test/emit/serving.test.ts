/**
 * Serving for real (issue #15, and the two serving bugs of #13): each test names the review finding it
 * covers (K8s #n: reviews/kubernetes-2026-11.md; Obs id: reviews/observability-2026-11.md) and fails on the
 * output of commit c4204ea.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { K6_SCRIPT, k6Config } from '../../compiler/emit/kubernetes/load-tests.js';
import { inferenceHeader, runK6Script } from '../helpers/k6.js';
import { checkPlatform } from '../../compiler/pipeline.js';
import { writeTree } from '../../compiler/output/write.js';
import type { PlatformIR } from '../../compiler/resolve/ir.js';
import { hasTool, referenceDir, repoRoot } from '../helpers/cli.js';
import { filesOf, irOf, irOfText, writeSpec } from '../helpers/platform.js';
import { promtoolFile, promtoolFiles, promtoolTest, ruleGroups, sloRuleFiles, sloRules } from '../helpers/rules.js';
import { environmentModelObjects, kustomizeObjects } from '../helpers/kustomize.js';

type Json = Record<string, any>;
const SPECS = ['platform.yaml', 'examples/minimal-dev.yaml', 'examples/multi-region-prod.yaml', 'examples/spot-cost-optimised.yaml', 'examples/multi-model-teams.yaml'];
const reference = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8');
const promtool = hasTool('promtool');

/** Every Kubernetes object of a region overlay, with its patches applied as kustomize applies them (test/helpers/kustomize.ts). */
const overlayObjects = (ir: PlatformIR, env: string, region: string): Json[] => kustomizeObjects(filesOf(ir), `kustomize/overlays/${env}/${region}`);
const find = (objects: Json[], kind: string, name: string): Json => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
const file = (ir: PlatformIR, path: string) => filesOf(ir).find((f) => f.path === path)!.content;
/** The SLO rules that apply to a model: its budgets (its SLOs as data), and the generic rules and SLI recordings that select it. */
const rulesOf = (ir: PlatformIR, env: string, model: string) =>
  sloRules(filesOf(ir), env).filter((r) => (r.record === 'slo:error_budget:ratio' ? r.labels.model === model : !/model=~"/.test(r.expr) || new RegExp(`model=~"(?:[^"]*\\|)?${model}(?:\\|[^"]*)?"`).test(r.expr)));
/** A model's budget of one SLO: the value and its labels (period, objective in words, latency bucket). */
const budgetOf = (rules: Json[], slo: string) => rules.find((r) => r.record === 'slo:error_budget:ratio' && r.labels.slo === slo)!;
/** The label value C's printf("%.16g") writes: what prometheus-cpp's text serializer writes for a bucket bound. */
const cFormat = (n: number) => spawnSync('printf', ['%.16g', String(n)], { encoding: 'utf8' }).stdout;

describe('latency bound (issue #13: latency SLO never measured with > 3 significant digits; Obs M2)', () => {
  for (const ms of [1234, 12.34, 50]) {
    const ir = irOfText(reference.replace('latencyP99Ms: 50', `latencyP99Ms: ${ms}`));
    const model = ir.models.find((m) => m.name === 'resnet50')!;
    const d = ir.environments.find((e) => e.name === 'prod')!.regions[0]!.deployments.find((x) => x.model === 'resnet50')!;
    it(`${ms} ms: a bucket measures the objective (Triton observes whole ms, truncated: the largest bucket k with k + 1 <= bound, Obs m2), and the rules select the label Triton writes for it`, () => {
      // Observed k means k <= t < k + 1 ms: counting k as good is right only when k + 1 <= bound (for 12.34 ms,
      // le=12 would count a 12.9 ms request as good); the largest such k loses less than a millisecond.
      const measured = Number(d.latency.le);
      expect(measured + 1).toBeLessThanOrEqual(ms);
      expect(measured + 2).toBeGreaterThan(ms);
      expect(model.latencyBucketsMs).toContain(measured);
      expect(d.latency.boundMs).toBe(ms);
      const le = cFormat(measured);
      expect(d.latency.le).toBe(le);
      const sli = rulesOf(ir, 'prod', 'resnet50').find((r) => r.record === 'slo:sli_error:ratio_rate5m' && r.labels.slo === 'latency')!.expr as string;
      // The bucket selector of resnet50's bound (models with other bounds have their own, named by model).
      const regex = /_bucket\{(?:model=~"(?:[^"]*\|)?resnet50(?:\|[^"]*)?",)?le=~"([^"]+)"/.exec(sli)![1]!.replace(/\\\\/g, '\\');
      // Triton's label, and Prometheus 3's normalised form of whole numbers.
      expect(new RegExp(`^(?:${regex})$`).test(le)).toBe(true);
      expect(new RegExp(`^(?:${regex})$`).test(`${le}.0`)).toBe(true);
      // Every bucket is a whole millisecond: a fractional one would only act as its floor.
      for (const b of model.latencyBucketsMs) expect(Number.isInteger(b)).toBe(true);
      // Every bucket prints as itself, so no bound is ever written differently from what config.pbtxt says.
      for (const b of model.latencyBucketsMs) expect(cFormat(b)).toBe(String(b));
      // The k6 threshold uses the same bound.
      expect(runK6Script(K6_SCRIPT, { LOADTEST: JSON.stringify(k6Config(model, d)) }).options.thresholds.http_req_duration[0].threshold).toBe(`p(99)<${ms}`);
    });
  }
});

describe('prod overrides every SLO field (issue #13: prod scales on dev SLO; Obs M3)', () => {
  const overridden = reference.replace(
    '        mobilenet: { replicas: { min: 1, max: 1 } }',
    '        mobilenet: { replicas: { min: 1, max: 1 } }\n      observability:\n        metrics: { enabled: false }\n        dashboards: { enabled: false }',
  ).replace(
    // prod's overrides gain a GPU type and resnet50's SLO (next to the pool's maxSize and the replicas prod already
    // overrides); the larger GPU needs a larger budget.
    '        gpu: { maxSize: 7 }',
    '        gpu: { maxSize: 7, instanceTypes: [g4dn.2xlarge] }',
  ).replace(
    '        resnet50: { replicas: { min: 2, max: 3 } }',
    '        resnet50:\n          replicas: { min: 2, max: 3 }\n          slo: { latencyP99Ms: 20, availability: 99.5, targetRps: 150 }',
  ).replace('    budget: { monthlyUsd: 3500 }', '    budget: { monthlyUsd: 5000 }');
  const ir = irOfText(overridden);
  const prod = overlayObjects(ir, 'prod', 'us-east-1');
  const dev = overlayObjects(ir, 'dev', 'us-east-1');
  const prodD = ir.environments.find((e) => e.name === 'prod')!.regions[0]!.deployments.find((d) => d.model === 'resnet50')!;

  it('the HPA target, the resources and the ingress group follow prod', () => {
    expect(find(prod, 'HorizontalPodAutoscaler', 'triton-resnet50').spec.metrics[0].pods.target.averageValue).toBe('4');
    const res = find(prod, 'Deployment', 'triton-resnet50').spec.template.spec.containers[0].resources.requests;
    expect(res).toEqual({ cpu: `${prodD.resources.cpuMillis}m`, memory: `${prodD.resources.memoryMiB}Mi`, 'nvidia.com/gpu': '1' });
    expect(find(prod, 'Ingress', 'triton-resnet50').metadata.annotations['alb.ingress.kubernetes.io/group.name']).toBe('inference-prod-vision-internal');
  });
  it('dev without metrics gets no ServiceMonitor and no HPA (fixed replicas); prod with metrics gets both', () => {
    expect(dev.filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    expect(find(dev, 'Deployment', 'triton-resnet50').spec.replicas).toBe(1);
    expect(prod.some((o) => o.kind === 'ServiceMonitor')).toBe(true);
  });
  it('the rules, buckets and the load test follow prod', () => {
    const rules = rulesOf(ir, 'prod', 'resnet50');
    expect(budgetOf(rules, 'availability').expr).toBe('0.005');
    expect(budgetOf(rules, 'availability').labels.objective).toBe('99.5% availability');
    expect(budgetOf(rules, 'latency').labels).toMatchObject({ objective: '99% of requests within 20 ms', le: '19' });
    expect(rules.find((r) => r.record === 'slo:sli_error:ratio_rate5m' && r.labels.slo === 'latency')!.expr).toContain('le=~"19(');
    expect(ir.models.find((m) => m.name === 'resnet50')!.latencyBucketsMs).toContain(20);
    const k6 = runK6Script(K6_SCRIPT, { LOADTEST: JSON.stringify(k6Config(ir.models.find((m) => m.name === 'resnet50')!, prodD)) }).options;
    expect(k6.thresholds.http_req_duration[0].threshold).toBe('p(99)<20');
    expect(k6.scenarios.target_rps.rate).toBe(150);
    expect(k6.thresholds.http_req_failed).toEqual(['rate<0.005']);
  });
});

describe.each(SPECS)('rollouts and security of %s', (spec) => {
  const ir = irOf(spec);
  for (const env of ir.environments) {
    for (const r of env.regions) {
      const objects = overlayObjects(ir, env.name, r.region);
      it(`${env.name}/${r.region}: no spec.replicas under an HPA (K8s #8); surge only with a spare GPU (K8s #7); progress deadline (K8s #20)`, () => {
        for (const d of r.deployments) {
          const dep = find(objects, 'Deployment', d.workload);
          const hpa = find(objects, 'HorizontalPodAutoscaler', d.workload);
          if (hpa) expect(dep.spec.replicas).toBeUndefined();
          const pool = r.nodePools.find((p) => p.name === d.nodePool)!;
          const poolSpare = pool.maxSize * pool.instance.gpus - r.deployments.filter((x) => x.nodePool === d.nodePool).reduce((n, x) => n + x.replicas.max * x.gpusPerReplica, 0);
          const team = ir.teams.find((t) => t.namespace === d.namespace)!;
          const quotaSpare = team.gpuQuota - r.deployments.filter((x) => x.namespace === d.namespace).reduce((n, x) => n + x.replicas.max * x.gpusPerReplica, 0);
          const surge = dep.spec.strategy.rollingUpdate.maxSurge;
          expect(surge * d.gpusPerReplica).toBeLessThanOrEqual(Math.max(0, Math.min(poolSpare, quotaSpare)));
          expect(surge + dep.spec.strategy.rollingUpdate.maxUnavailable).toBeGreaterThan(0);
          expect(dep.spec.progressDeadlineSeconds).toBeGreaterThanOrEqual(900 + 600);
        }
      });
      it(`${env.name}/${r.region}: pods leave the ALB before they stop (K8s #10), config and weights roll them (K8s #13), PDB never blocks drains`, () => {
        for (const d of r.deployments) {
          const pod = find(objects, 'Deployment', d.workload).spec.template;
          const preStop = Number(pod.spec.containers[0].lifecycle.preStop.exec.command[1]);
          const dereg = Number(/deregistration_delay\.timeout_seconds=(\d+)/.exec(find(objects, 'Ingress', d.workload).metadata.annotations['alb.ingress.kubernetes.io/target-group-attributes'])![1]);
          expect(preStop).toBeGreaterThan(dereg);
          expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThan(preStop + 30);
          const m = ir.models.find((x) => x.name === d.model)!;
          expect(pod.metadata.annotations).toMatchObject({ 'platformc.dev/model-revision': m.revision, 'platformc.dev/weights-sha256': m.definition.weights.sha256 });
          expect(find(objects, 'PodDisruptionBudget', d.workload).spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
          // Guaranteed QoS: the LimitRange default (500m) never caps Triton's CPU.
          const c = pod.spec.containers[0];
          expect(c.resources.limits).toEqual(c.resources.requests);
        }
      });
      it(`${env.name}/${r.region}: HTTPS with a certificate on internet-facing ALBs (K8s #6), one group per team (K8s #16), ALB allow from its subnets only (K8s #21), restricted Triton APIs, store scoped (K8s #22)`, () => {
        for (const d of r.deployments) {
          const a = find(objects, 'Ingress', d.workload).metadata.annotations;
          if (d.ingressScheme === 'internet-facing') {
            expect(a['alb.ingress.kubernetes.io/listen-ports']).toBe('[{"HTTPS": 443}]');
            expect(a['alb.ingress.kubernetes.io/certificate-arn']).toMatch(new RegExp(`^arn:aws:acm:${r.region}:${env.account}:`));
          }
          expect(a['alb.ingress.kubernetes.io/group.name']).toContain(`-${d.namespace}-`);
          const args = find(objects, 'Deployment', d.workload).spec.template.spec.containers[0].args as string[];
          expect(args).toContain('--disable-auto-complete-config');
          expect(args).not.toContain('--strict-model-config=true');
          expect(args.find((x) => x.startsWith('--http-restricted-api='))).toMatch(/model-repository.*:platformc-admin-key=\$\(POD_UID\)$/);
        }
        const groups = new Map(r.deployments.map((d) => [d.ingressGroup, d.namespace]));
        for (const d of r.deployments) expect(groups.get(d.ingressGroup)).toBe(d.namespace);
        for (const np of objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'triton-allow-alb')) {
          const cidrs = np.spec.ingress[0].from.map((p: Json) => p.ipBlock.cidr);
          expect(cidrs).not.toContain(r.network.vpcCidr);
          for (const c of cidrs) expect([...r.network.publicSubnets, ...r.network.internalLoadBalancerSubnets]).toContain(c);
        }
        // The secret store comes with the platform-prerequisites chart (before kube-prometheus-stack), not the overlay.
        expect(objects.filter((o) => o.kind === 'ClusterSecretStore' || o.kind === 'ExternalSecret')).toEqual([]);
        const store = parse(file(ir, `helm/${env.name}/charts/platform-prerequisites/templates/secret-store.yaml`).replace(/^# .*$/gm, '')) as Json;
        expect(store.spec.conditions).toEqual([{ namespaces: ['monitoring'] }]);
      });
    }
  }
  it('team namespaces carry the ALB readiness-gate label (K8s #10)', () => {
    const ns = parseAllDocuments(file(ir, 'kustomize/base/namespaces.yaml')).map((d) => d.toJS() as Json);
    for (const t of ir.teams.filter((x) => x.models.length)) expect(ns.find((n) => n.metadata.name === t.namespace)!.metadata.labels['elbv2.k8s.aws/pod-readiness-gate-inject']).toBe('enabled');
  });
  it('the Triton role may HeadBucket its model bucket: s3:ListBucket without a prefix condition (K8s #1)', () => {
    for (const f of filesOf(ir).filter((x) => x.path.endsWith('/irsa.tf'))) {
      expect(f.content).toContain('s3:ListBucket');
      expect(f.content).not.toContain('s3:prefix');
    }
  });
});

describe('production rollouts and drains without outages (issue #15 item 4; K8s #7, #10)', () => {
  const diagnose = (text: string) => checkPlatform(writeSpec(text), { display: 'platform.yaml', compilerVersion: '0.0.0-test' }).diagnostics;
  // The reference platform before this change: prod ran one replica of each model with every GPU of the pool and quota taken.
  const before = reference
    .replace(/ *# prod: 3 \+ 3 replicas.*\n/, '')
    .replace('gpuQuota: 7', 'gpuQuota: 4')
    .replace(/      # Two replicas at least[^]*?mobilenet: \{ replicas: \{ min: 2, max: 3 \} \}\n/, '');
  it('the old reference prod (replicas.min 1, no spare GPU: maxSurge 0 / maxUnavailable 1) is not silent: a warning at replicas.min with the headroom it lacks', () => {
    expect(before).not.toContain('min: 2');
    const errors = diagnose(before).filter((d) => d.code === 'rollout-outage');
    expect(errors.map((d) => d.severity)).toEqual(['warning', 'warning']);
    expect(errors.map((d) => d.message)).toEqual([
      "every rollout of 'resnet50' in prod stops its only replica: a surge pod needs a spare GPU, but at maximum scale pool 'gpu' in us-east-1 has 0 left and team 'vision' 0 under its quota",
      "every rollout of 'mobilenet' in prod stops its only replica: a surge pod needs a spare GPU, but at maximum scale pool 'gpu' in us-east-1 has 0 left and team 'vision' 0 under its quota",
    ]);
    expect(errors[0]!.hint).toContain('nodePools.gpu.maxSize for 1 more GPU(s) and teams.vision.gpuQuota + 1');
    const line = before.split('\n').findIndex((l) => l.includes('replicas: { min: 1, max: 2 }')) + 1;
    expect(errors[0]!.line).toBe(line);
    // dev (not production) may roll its single replicas by stopping them.
    expect(errors.every((d) => !d.message.includes('in dev'))).toBe(true);
  });
  it('one GPU of headroom in pool and quota makes the rollout surge: then only a warning about drains, under a 99.9% objective', () => {
    const headroom = before.replace('gpuQuota: 4', 'gpuQuota: 5').replace('maxSize: 4\n    diskSizeGiB: 100', 'maxSize: 5\n    diskSizeGiB: 100');
    const found = diagnose(headroom);
    expect(found.filter((d) => d.code === 'rollout-outage')).toEqual([]);
    expect(found.filter((d) => d.code === 'single-replica').map((d) => d.severity)).toEqual(['warning', 'warning']);
    // A 99% objective has room for a drain: no warning.
    expect(diagnose(headroom.replace(/availability: 99\.9/g, 'availability: 99')).filter((d) => d.code === 'single-replica')).toEqual([]);
  });
  it.each(SPECS)('%s: every production model keeps a replica serving through rollouts (surge, or two replicas) or validation says it does not; the PDB agrees with the rollout', (spec) => {
    const ir = irOf(spec);
    const warned = new Set(diagnose(readFileSync(join(repoRoot, spec), 'utf8').replaceAll('../models/', 'models/')).filter((d) => d.code === 'rollout-outage').map((d) => /'([^']+)'/.exec(d.message)![1]));
    for (const env of ir.environments.filter((e) => e.production)) {
      for (const r of env.regions) {
        const objects = overlayObjects(ir, env.name, r.region);
        for (const d of r.deployments) {
          const rolling = find(objects, 'Deployment', d.workload).spec.strategy.rollingUpdate;
          const pdb = find(objects, 'PodDisruptionBudget', d.workload).spec;
          // Pods serving during a rollout step: min - maxUnavailable; during a drain: min - PDB maxUnavailable.
          if (d.replicas.min - rolling.maxUnavailable < 1) expect(warned, `${spec}: ${d.model} rolls out with no replica serving`).toContain(d.model);
          if (d.replicas.min >= 2) expect(d.replicas.min - pdb.maxUnavailable).toBeGreaterThanOrEqual(1);
          expect(pdb.maxUnavailable).toBe(1);
        }
      }
    }
  });
});

describe('replica sizing on multi-GPU nodes (K8s #15)', () => {
  it('four single-GPU replicas fit a g4dn.12xlarge after kubelet reservations and DaemonSets', () => {
    const ir = irOfText(reference.replace('instanceTypes: [g4dn.xlarge]', 'instanceTypes: [g4dn.12xlarge]').replace('monthlyUsd: 3000', 'monthlyUsd: 30000').replace('budget: { monthlyUsd: 1800 }', 'budget: { monthlyUsd: 30000 }').replace('budget: { monthlyUsd: 3500 }', 'budget: { monthlyUsd: 30000 }'));
    const d = ir.environments[0]!.regions[0]!.deployments[0]!;
    // EKS AMI: 192 GiB nominal; kube-reserved 255Mi + 11Mi x 250 pods; eviction 100Mi; the kernel keeps ~5%.
    const allocatableMiB = 192 * 1024 * 0.95 - (255 + 11 * 250) - 100;
    expect(4 * d.resources.memoryMiB).toBeLessThanOrEqual(allocatableMiB - 1024);
    expect(4 * d.resources.cpuMillis).toBeLessThanOrEqual(48000 - 500);
  });
});

describe('alerting (Obs B1, B2, M4, M7; K8s #12, #25)', () => {
  const ir = irOf('platform.yaml');
  const rules = rulesOf(ir, 'prod', 'resnet50');
  it('the latency SLO is 99% of requests within the bound, whatever the availability objective (B1)', () => {
    expect(budgetOf(rules, 'latency').expr).toBe('0.01');
    expect(budgetOf(rules, 'latency').labels.objective).toBe('99% of requests within 50 ms');
    // The objective every dashboard shows is 1 - budget.
    expect(rules.find((r) => r.record === 'slo:objective:ratio')!.expr).toBe('1 - slo:error_budget:ratio');
  });
  it('has no-data alerts for Triton and both SLIs (M4), and an XID alert on a new error (M7)', () => {
    // Every model this environment serves, unless its series are there (test/emit/observability.test.ts runs them).
    expect(rules.filter((r) => r.alert && /\bunless on \(model, namespace\)\n/.test(r.expr)).map((r) => r.alert).sort()).toEqual(['AvailabilitySliNoData', 'LatencySliNoData', 'TritonDown']);
    const xid = ruleGroups(file(ir, 'prometheus/prod/gpu.rules.yaml'))[0]!.rules.find((r: Json) => r.alert === 'GpuXidError');
    expect(xid.expr).toContain('changes(DCGM_FI_DEV_XID_ERRORS');
  });
  it.skipIf(!promtool)('GpuXidError pages on a new XID and names its code; GpuIdle tickets only GPUs no pod holds (promtool)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'platformc-gpu-')), 'generated');
    writeTree(out, filesOf(ir));
    const testFile = join(out, 'gpu.test.yaml');
    const xid = 'DCGM_FI_DEV_XID_ERRORS{Hostname="ip-10-0-1-1",gpu="0"}';
    writeFileSync(testFile, stringify({
      rule_files: [promtoolFile(out, 'prometheus/prod/gpu.rules.yaml')],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: [
          // XID 79 at minute 5, then the gauge sticks.
          { series: xid, values: '0x4 79x200' },
          // ip-10-0-1-2: a GPU a replica holds at night, idle; ip-10-0-1-3: a GPU no pod holds, idle.
          { series: 'DCGM_FI_DEV_GPU_UTIL{Hostname="ip-10-0-1-2",gpu="0",namespace="vision",pod="resnet50-a"}', values: '0x200' },
          { series: 'DCGM_FI_DEV_GPU_UTIL{Hostname="ip-10-0-1-3",gpu="0"}', values: '0x200' },
        ],
        alert_rule_test: [
          { eval_time: '7m', alertname: 'GpuXidError', exp_alerts: [{ exp_labels: { severity: 'page', Hostname: 'ip-10-0-1-1', gpu: '0' }, exp_annotations: { summary: 'GPU 0 on ip-10-0-1-1 reported XID error 79', description: 'XID errors signal driver or hardware faults; drain the node if they repeat.' } }] },
          { eval_time: '30m', alertname: 'GpuXidError', exp_alerts: [] },
          { eval_time: '190m', alertname: 'GpuIdle', exp_alerts: [{ exp_labels: { severity: 'ticket', Hostname: 'ip-10-0-1-3' }, exp_annotations: { summary: 'GPUs on ip-10-0-1-3 have been held by no pod and idle for 2 hours', description: "A GPU node no model uses costs money in prod: lower the pool's minSize (or let the autoscaler remove it)." } }] },
        ],
      }],
    }));
    const r = spawnSync('promtool', ['test', 'rules', testFile], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
  it('Alertmanager sends pages and tickets to the Slack receiver, its URL from a mounted Secret (B2, K8s #12); no EKS control-plane targets (K8s #25)', () => {
    const values = parse(file(ir, 'helm/prod/kube-prometheus-stack.yaml')) as Json;
    expect(values.alertmanager.alertmanagerSpec.secrets).toEqual(['alertmanager-receiver']);
    expect(values.alertmanager.config.receivers.find((r: Json) => r.name === 'platform').slack_configs[0].api_url_file).toBe('/etc/alertmanager/secrets/alertmanager-receiver/url');
    const routes = values.alertmanager.config.route.routes as Json[];
    expect(routes.filter((r) => r.receiver === 'platform').map((r) => r.matchers[0])).toEqual(['severity =~ "page|critical"', 'severity =~ "ticket|warning"']);
    expect([values.kubeScheduler.enabled, values.kubeControllerManager.enabled, values.kubeEtcd.enabled]).toEqual([false, false, false]);
    const secrets = parseAllDocuments(file(ir, 'helm/prod/charts/platform-prerequisites/templates/external-secrets.yaml')).map((d) => d.toJS() as Json);
    const es = secrets.find((o) => o.metadata.name === 'alertmanager-receiver')!;
    expect(es.spec.data).toEqual([{ secretKey: 'url', remoteRef: { key: 'inference/alertmanager-slack', property: 'url' } }]);
  });
});

describe.skipIf(!promtool)('latency alerts on synthetic traffic (Obs B1, issue #13)', () => {
  /** The SLO alerts that fire for resnet50 at each time, with `slowShare` of its requests over the bucket `le` (one promtool run). */
  function fires(ir: PlatformIR, le: string, slowShare: number, times: string[]): string[][] {
    const perMinute = 1000;
    const series = [
      { series: `nv_inference_first_response_histogram_ms_bucket{namespace="vision",model="resnet50",le="${le}"}`, values: `0+${perMinute * (1 - slowShare)}x${times.length * 60}` },
      { series: 'nv_inference_first_response_histogram_ms_count{namespace="vision",model="resnet50"}', values: `0+${perMinute}x${times.length * 60}` },
    ];
    const alerts = ['SloErrorBudgetBurnFast', 'SloErrorBudgetBurnSlow'];
    const r = promtoolTest(promtoolFiles(sloRuleFiles(filesOf(ir), 'prod')), [{ interval: '1m', input_series: series, alert_rule_test: times.flatMap((t) => alerts.map((a) => ({ eval_time: t, alertname: a, exp_alerts: [] }))) }]);
    // Every (alert, time) that fired fails its empty expectation: promtool names it, with the alert's labels.
    // Anything else (a rule that did not load or evaluate) is not a verdict on the alerts.
    expect(r.output, r.output).toMatch(r.status === 0 ? /SUCCESS/ : /FAILED:\n\s+alertname: /);
    expect(r.output, r.output).not.toMatch(/\berr: /);
    return times.map((t) => alerts.filter((a) => r.output.includes(`alertname: ${a}, time: ${t},`) && /slo="latency"/.test(r.output)));
  }
  // A constant share: every window sees the same ratio from the first minutes on, so an hour or two says what a day would.
  it('a model with 0.5% of requests over its p99 bound is healthy: no page, no ticket', () => {
    expect(fires(irOf('platform.yaml'), '49', 0.005, ['1h', '2h'])).toEqual([[], []]);
  });
  it('a 1234 ms objective pages when half the requests are slower (the rule finds Triton\'s le="1233" bucket: observations are whole ms, truncated)', () => {
    const ir = irOfText(reference.replace('latencyP99Ms: 50', 'latencyP99Ms: 1234'));
    expect(fires(ir, '1233', 0.5, ['1h'])[0]).toContain('SloErrorBudgetBurnFast');
  });
});

describe('load test body (K8s #24)', () => {
  it('carries every input of the model, each with its byte size', () => {
    const ir = irOf('platform.yaml');
    const m = ir.models.find((x) => x.name === 'resnet50')!;
    const two = { ...m, definition: { ...m.definition, inputs: [...m.definition.inputs, { name: 'mask', dataType: 'TYPE_INT64' as const, dims: [-1, 4] }] } };
    const [post] = runK6Script(K6_SCRIPT, { LOADTEST: JSON.stringify(k6Config(two, ir.environments[1]!.regions[0]!.deployments.find((d) => d.model === 'resnet50')!)) }).posts;
    const header = inferenceHeader(post!);
    expect(header).toContain('"name":"data"');
    expect(header).toContain('{"name":"mask","shape":[1,1,4],"datatype":"INT64","parameters":{"binary_data_size":32}}');
    expect(post!.body.byteLength).toBe(header.length + 602112 + 32);
  });
});

describe('load tests on a schedule, annotated and alerting (issue #15 item 7)', () => {
  const ir = irOf('platform.yaml');
  const cronJobs = (env: string) => environmentModelObjects(filesOf(ir), env).filter((o) => o.kind === 'CronJob');
  it('prod runs every CronJob on its schedule in UTC (platform.yaml), dev keeps them suspended as templates', () => {
    for (const c of cronJobs('prod')) expect(c.spec).toMatchObject({ suspend: false, schedule: '0 4 * * 1', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' });
    for (const c of cronJobs('dev')) expect(c.spec).toMatchObject({ suspend: true });
    expect(cronJobs('prod').length).toBe(2);
  });
  it('every dashboard annotates runs, passes and failures of load-test Jobs', () => {
    for (const env of ['dev', 'prod']) {
      for (const f of filesOf(ir).filter((x) => x.path.startsWith(`grafana/${env}/`) && x.path.endsWith('.json'))) {
        const names = (JSON.parse(f.content) as Json).annotations.list.map((a: Json) => a.name);
        expect(names, f.path).toEqual(['Load tests', 'Load tests passed', 'Load tests failed']);
      }
    }
  });
  it.skipIf(!promtool)('LoadTestFailed fires for a failed Job; the pass and fail annotations mark only the two minutes after the change (promtool)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'platformc-loadtest-')), 'generated');
    writeTree(out, filesOf(ir));
    const dashboard = JSON.parse(file(ir, 'grafana/prod/' + filesOf(ir).find((f) => f.path.startsWith('grafana/prod/') && f.path.endsWith('.json'))!.path.split('/').pop())) as Json;
    const annotation = (name: string) => dashboard.annotations.list.find((a: Json) => a.name === name).target.expr as string;
    // The annotation queries as recording rules, so promtool evaluates them on the same series.
    const records = join(out, 'annotations.rules.yaml');
    writeFileSync(records, stringify({ groups: [{ name: 'annotations', rules: [{ record: 'anno:passed', expr: annotation('Load tests passed') }, { record: 'anno:failed', expr: annotation('Load tests failed') }] }] }));
    const job = (name: string) => `{namespace="platform",job_name="${name}"}`;
    const testFile = join(out, 'load-tests.test.yaml');
    writeFileSync(testFile, stringify({
      rule_files: [promtoolFile(out, 'prometheus/prod/load-tests.rules.yaml'), records],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: [
          // loadtest-resnet50-a passes at minute 5; loadtest-mobilenet-b fails at minute 5.
          { series: `kube_job_status_succeeded${job('loadtest-resnet50-a')}`, values: '0x4 1x20' },
          { series: `kube_job_status_failed${job('loadtest-resnet50-a')}`, values: '0x24' },
          { series: `kube_job_status_succeeded${job('loadtest-mobilenet-b')}`, values: '0x24' },
          { series: `kube_job_status_failed${job('loadtest-mobilenet-b')}`, values: '0x4 1x20' },
          // LoadTestFailed reads the model from the Job's owner CronJob and compares start times (test/emit/loadtest-alert.test.ts).
          { series: `kube_job_owner{namespace="platform",job_name="loadtest-resnet50-a",owner_kind="CronJob",owner_name="loadtest-resnet50",owner_is_controller="true"}`, values: '1x24' },
          { series: `kube_job_owner{namespace="platform",job_name="loadtest-mobilenet-b",owner_kind="CronJob",owner_name="loadtest-mobilenet",owner_is_controller="true"}`, values: '1x24' },
          { series: `kube_job_status_start_time${job('loadtest-resnet50-a')}`, values: '0x24' },
          { series: `kube_job_status_start_time${job('loadtest-mobilenet-b')}`, values: '0x24' },
        ],
        alert_rule_test: [
          { eval_time: '10m', alertname: 'LoadTestFailed', exp_alerts: [{ exp_labels: { severity: 'ticket', namespace: 'platform', model: 'mobilenet', job_name: 'loadtest-mobilenet-b' }, exp_annotations: { summary: 'The newest load test of mobilenet failed (loadtest-mobilenet-b)', description: "k6 broke a threshold of the model's SLO (p99 latency, error rate, dropped iterations) at its target rate, or did not finish: kubectl -n platform logs job/loadtest-mobilenet-b. The alert resolves when a newer run of the model passes." } }] },
          { eval_time: '3m', alertname: 'LoadTestFailed', exp_alerts: [] },
        ],
        promql_expr_test: [
          { expr: 'anno:passed', eval_time: '6m', exp_samples: [{ labels: 'anno:passed{job_name="loadtest-resnet50-a"}', value: 1 }] },
          { expr: 'anno:failed', eval_time: '6m', exp_samples: [{ labels: 'anno:failed{job_name="loadtest-mobilenet-b"}', value: 1 }] },
          { expr: 'anno:passed', eval_time: '10m', exp_samples: [] },
          { expr: 'anno:failed', eval_time: '3m', exp_samples: [] },
        ],
      }],
    }));
    const r = spawnSync('promtool', ['test', 'rules', testFile], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});

describe('DNS and TLS per team group (issue #15 DNS/TLS; K8s #6)', () => {
  const ir = irOf('examples/multi-region-prod.yaml');
  it('every Ingress of a zone names its group host under spec.tls and listens on HTTPS only, internal ones too; ARNs from platform.yaml stay, otherwise none: apply sets the ARN of the platform certificate (test/ops)', () => {
    for (const env of ir.environments) {
      for (const r of env.regions) {
        const objects = overlayObjects(ir, env.name, r.region);
        for (const d of r.deployments) {
          const ing = find(objects, 'Ingress', d.workload);
          const a = ing.metadata.annotations;
          const team = d.namespace;
          expect(ing.spec.tls).toEqual([{ hosts: [d.ingressScheme === 'internal' ? `${team}.internal.${env.name}.ml.example.com` : `${team}.${env.name}.ml.example.com`] }]);
          // Rules match any Host: Route 53 probes the ALB by its own name.
          expect(ing.spec.rules.every((x: Json) => x.host === undefined)).toBe(true);
          expect(a['alb.ingress.kubernetes.io/listen-ports']).toBe('[{"HTTPS": 443}]');
          expect(a['alb.ingress.kubernetes.io/certificate-arn']).toBe(d.ingress.certificateArns.length ? d.ingress.certificateArns.join(',') : undefined);
          const host = env.dns!.hosts.find((h) => h.name === d.ingress.host)!;
          // Without an ARN in this region, the platform requests the host's certificate here.
          expect(host.managedCertificateRegions.includes(r.region)).toBe(d.ingress.certificateArns.length === 0);
        }
      }
    }
  });
  it('an internet-facing model without a certificate ARN is accepted when a zone is named (the platform requests one), refused without', () => {
    const text = readFileSync(join(repoRoot, 'examples/multi-region-prod.yaml'), 'utf8').replaceAll('../models/', 'models/');
    const noArns = text.replace(/      certificateArns:\n(        - arn:aws:acm:.*\n)+/, '');
    expect(noArns).not.toContain('arn:aws:acm:us-west-2');
    const d = checkPlatform(writeSpec(noArns), { display: 'platform.yaml', compilerVersion: '0.0.0-test' }).diagnostics;
    expect(d.filter((x) => x.code === 'ingress-tls')).toEqual([]);
    const prod = irOfText(noArns).environments.find((e) => e.name === 'prod')!;
    expect(prod.dns!.hosts.find((h) => h.name === 'vision.prod.ml.example.com')!.managedCertificateRegions).toEqual(['us-east-1', 'us-west-2']);
    const noZone = checkPlatform(writeSpec(noArns.replace(/\ndns:\n  zone: ml\.example\.com\n/, '\n')), { display: 'platform.yaml', compilerVersion: '0.0.0-test' }).diagnostics;
    expect(noZone.filter((x) => x.code === 'ingress-tls').length).toBe(2);
  });
});

describe('pins the observability depends on (Obs m5, m7)', () => {
  const versions = JSON.parse(readFileSync(join(repoRoot, 'specs/versions.json'), 'utf8')) as Json;
  it('DCGM host label: rules and dashboards use the one the pinned dcgm-exporter writes (m5)', () => {
    const pin = versions.charts['dcgm-exporter'].appVersion as string;
    // NVIDIA/dcgm-exporter#655 (commit d5e5f51) renamed the label Hostname to hostname in the commit right after
    // the release 4.5.3-4.8.2 (commit 691c927): exporters up to 4.8.2 write Hostname, later ones hostname.
    const newer = (a: string, b: string) => { const x = a.split('.').map(Number); const y = b.split('.').map(Number); for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]!; return false; };
    const label = newer(pin, '4.8.2') ? 'hostname' : 'Hostname';
    const other = label === 'Hostname' ? 'hostname' : 'Hostname';
    const ir = irOf('platform.yaml');
    const files = filesOf(ir).filter((f) => f.path.endsWith('/gpu.rules.yaml') || /^grafana\/[^/]+\/.*gpu.*\.json$/.test(f.path));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) {
      expect(f.content, f.path).toMatch(new RegExp(`\\b${label}\\b`));
      expect(f.content, `${f.path} uses ${other}, which dcgm-exporter ${pin} does not write`).not.toMatch(new RegExp(`\\b${other}\\b`));
    }
  });
  it.skipIf(!existsSync(join(referenceDir, 'helm-charts/charts.json')))('every pinned chart has its default values in the offline reference at the same version, prometheus-adapter included (m7)', () => {
    const charts = JSON.parse(readFileSync(join(referenceDir, 'helm-charts/charts.json'), 'utf8')) as Record<string, { version: string }>;
    const releases = ['prometheus-adapter', 'dcgm-exporter', 'external-secrets', 'kube-prometheus-stack', 'aws-load-balancer-controller', 'cluster-autoscaler', 'fluent-bit', 'nvidia-device-plugin'];
    for (const r of releases) expect(charts[r]?.version, r).toBe(versions.charts[r].version);
  });
});

describe.each(SPECS)('Triton egress of %s (K8s #28)', (spec) => {
  const ir = irOf(spec);
  it('HTTPS to the VPC (STS and the other interface endpoints) and to public addresses (S3 through the gateway endpoint) only: no private network outside the VPC, no instance metadata', () => {
    const base = parseAllDocuments(file(ir, 'kustomize/base/network-policies.yaml')).map((d) => d.toJS() as Json);
    // Nothing in the base opens 0.0.0.0/0 any more: the egress allow is per region, with its VPC CIDR.
    expect(JSON.stringify(base)).not.toContain('0.0.0.0/0');
    for (const env of ir.environments) {
      for (const r of env.regions) {
        const objects = overlayObjects(ir, env.name, r.region);
        for (const ns of new Set(r.deployments.map((d) => d.namespace))) {
          const p = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'triton-allow-aws-egress' && o.metadata.namespace === ns)!;
          expect(p.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'triton' } });
          const blocks = p.spec.egress.flatMap((e: Json) => { expect(e.ports).toEqual([{ protocol: 'TCP', port: 443 }]); return e.to.map((t: Json) => t.ipBlock); });
          expect(blocks).toContainEqual({ cidr: r.network.vpcCidr });
          for (const b of blocks.filter((x: Json) => x.cidr === '0.0.0.0/0')) for (const range of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16']) expect(b.except).toContain(range);
          expect(blocks.every((b: Json) => b.cidr === r.network.vpcCidr || b.cidr === '0.0.0.0/0')).toBe(true);
        }
      }
    }
  });
});

describe.skipIf(!hasTool('kubectl', ['version', '--client']))('scheduled load tests run in the primary region only (issue #15 review)', () => {
  it('the standby overlay suspends the CronJobs the schedule starts elsewhere; without a schedule nothing is patched', async () => {
    const { kubectlKustomize } = await import('../helpers/kube.js');
    const base = readFileSync(join(repoRoot, 'examples/multi-region-prod.yaml'), 'utf8').replaceAll('../models/', 'models/');
    const scheduled = base.replace('observability:\n', 'observability:\n  loadTests: { schedule: "0 4 * * 1" }\n');
    expect(scheduled).not.toBe(base);
    const suspended = (text: string, region: string) => {
      return kubectlKustomize(filesOf(irOfText(text)), `kustomize/overlays/prod/${region}`)
        .filter((o) => o.kind === 'CronJob' && o.metadata.name.startsWith('loadtest-'))
        .map((o) => [o.metadata.name, (o.spec as { suspend: boolean }).suspend]);
    };
    // A warm standby at minimum size cannot serve the target rate: a scheduled run there would fail every week.
    const primary = suspended(scheduled, 'us-east-1');
    expect(primary.length).toBeGreaterThan(0);
    expect(primary.every(([, s]) => s === false)).toBe(true);
    const standby = suspended(scheduled, 'us-west-2');
    expect(standby.map(([n]) => n)).toEqual(primary.map(([n]) => n));
    expect(standby.every(([, s]) => s === true)).toBe(true);
    // Without a schedule the CronJobs are suspended templates everywhere (apply and `platformc loadtest` start Jobs).
    expect(suspended(base, 'us-east-1').every(([, s]) => s === true)).toBe(true);
  });
});

describe('HPA metric when traffic stops (issue #15 item 5; K8s #30 follow-up)', () => {
  const ir = irOf('platform.yaml');
  it.skipIf(!promtool)('prometheus-adapter reports 0 ms for idle pods and the exact mean queue time for busy ones, so the HPA can scale down at night (promtool)', () => {
    // An empty answer for every pod is "no metrics returned from custom metrics API": the HPA then makes no
    // scaling decision at all and keeps the peak's replicas (kubernetes/pkg/controller/podautoscaler).
    const values = parse(file(ir, 'helm/prod/prometheus-adapter.yaml')) as Json;
    const query = (values.rules.custom[0].metricsQuery as string).replaceAll('<<.LabelMatchers>>', 'namespace="vision",pod=~"resnet50-.*"').replaceAll('<<.GroupBy>>', 'pod');
    const out = mkdtempSync(join(tmpdir(), 'platformc-adapter-'));
    const testFile = join(out, 'adapter.test.yaml');
    const pod = (metric: string, name: string) => `${metric}{namespace="vision",pod="${name}"}`;
    writeFileSync(testFile, stringify({
      rule_files: [],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: [
          // resnet50-a: 10 requests a minute that waited 30 ms each, then nothing from minute 10; resnet50-b idle throughout.
          { series: pod('nv_inference_request_success', 'resnet50-a'), values: '0+10x10 100x20' },
          { series: pod('nv_inference_queue_duration_us', 'resnet50-a'), values: '0+300000x10 3000000x20' },
          { series: pod('nv_inference_request_success', 'resnet50-b'), values: '0x30' },
          { series: pod('nv_inference_queue_duration_us', 'resnet50-b'), values: '0x30' },
        ],
        promql_expr_test: [
          { expr: query, eval_time: '5m', exp_samples: [{ labels: '{pod="resnet50-a"}', value: 30 }, { labels: '{pod="resnet50-b"}', value: 0 }] },
          { expr: query, eval_time: '20m', exp_samples: [{ labels: '{pod="resnet50-a"}', value: 0 }, { labels: '{pod="resnet50-b"}', value: 0 }] },
        ],
      }],
    }));
    const r = spawnSync('promtool', ['test', 'rules', testFile], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});

describe('Alertmanager as configured (Obs m4; issue #15 item 6)', () => {
  const ir = irOf('platform.yaml');
  const values = parse(file(ir, 'helm/prod/kube-prometheus-stack.yaml')) as Json;
  const amtool = hasTool('amtool');
  const alertmanager = hasTool('prometheus-alertmanager');
  const dir = mkdtempSync(join(tmpdir(), 'platformc-am-'));
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(config, stringify(values.alertmanager.config));

  it('every alert says its environment, region and cluster (Prometheus external labels: region and cluster set per region by Terraform)', () => {
    expect(values.prometheus.prometheusSpec.externalLabels).toEqual({ environment: 'prod' });
    const tf = file(ir, 'terraform/prod/us-east-1/platform/releases.tf');
    const release = tf.slice(tf.indexOf('resource "helm_release" "kube_prometheus_stack"'));
    expect(release.slice(0, release.indexOf('\n}'))).toMatch(/externalLabels\.region"\s+value = local\.infra\.region[\s\S]*externalLabels\.cluster"\s+value = local\.infra\.cluster_name/);
  });
  it.skipIf(!amtool)('amtool accepts the config; pages and tickets reach the receiver, Watchdog goes nowhere', () => {
    expect(spawnSync('amtool', ['check-config', config], { encoding: 'utf8' }).status).toBe(0);
    const route = (...labels: string[]) => spawnSync('amtool', ['config', 'routes', 'test', `--config.file=${config}`, ...labels], { encoding: 'utf8' }).stdout.trim();
    expect(route('severity=page', 'alertname=SloErrorBudgetBurnFast', 'model=resnet50', 'slo=latency')).toBe('platform');
    expect(route('severity=ticket', 'alertname=LoadTestFailed')).toBe('platform');
    expect(route('severity=none', 'alertname=Watchdog')).toBe('null');
  });
  it.skipIf(!alertmanager)('a real Alertmanager: an SLO page silences the same model\'s ticket of the same SLO only; a GPU page or TritonDown silences no ticket (missing labels count as equal); the Slack message carries summary and description', async () => {
    const port = 19000 + (process.pid % 1000);
    const am = spawn('prometheus-alertmanager', [`--config.file=${config}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], { stdio: 'ignore' });
    try {
      const api = `http://127.0.0.1:${port}/api/v2`;
      for (let i = 0; i < 100; i++) {
        if (await fetch(`${api}/status`).then((r) => r.ok, () => false)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const base = { environment: 'prod', cluster: 'inference-prod-us-east-1', region: 'us-east-1' };
      // The labels the generic SLO alerts carry (test/emit/observability.test.ts): one alert name for every model and SLO.
      const slo = (alertname: string, severity: string, model: string, s = 'latency') => ({ ...base, alertname, severity, model, slo: s, namespace: 'vision', team: 'vision', platform: 'inference', period: '30d', objective: s === 'latency' ? '99% of requests within 50 ms' : '99.9% availability' });
      const alerts = [
        slo('SloErrorBudgetBurnFast', 'page', 'resnet50'),
        slo('SloErrorBudgetBurnSlow', 'ticket', 'resnet50'),
        slo('SloErrorBudgetBurnSlow', 'ticket', 'resnet50', 'availability'),
        slo('SloErrorBudgetBurnSlow', 'ticket', 'mobilenet'),
        { ...base, alertname: 'TritonDown', severity: 'page', model: 'mobilenet', namespace: 'vision', team: 'vision', platform: 'inference' },
        { ...base, alertname: 'AvailabilitySliNoData', severity: 'ticket', model: 'mobilenet', namespace: 'vision', team: 'vision', platform: 'inference' },
        { ...base, alertname: 'GpuXidError', severity: 'page', Hostname: 'ip-10-0-1-1', gpu: '0' },
        { ...base, alertname: 'GpuIdle', severity: 'ticket', Hostname: 'ip-10-0-1-2' },
        { ...base, alertname: 'LoadTestFailed', severity: 'ticket', namespace: 'platform', job_name: 'loadtest-resnet50-a' },
      ];
      const post = await fetch(`${api}/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts.map((labels) => ({ labels, annotations: { summary: 's', description: 'd' } }))) });
      expect(post.ok).toBe(true);
      let inhibited: string[] = [];
      for (let i = 0; i < 50; i++) {
        const got = (await (await fetch(`${api}/alerts`)).json()) as Json[];
        inhibited = got.filter((a) => a.status.inhibitedBy.length).map((a) => `${a.labels.alertname} ${a.labels.model} ${a.labels.slo}`).sort();
        if (got.length === alerts.length && inhibited.length) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      // Only resnet50's latency ticket: not its availability ticket, not mobilenet's; TritonDown (a page without slo) silences nothing.
      expect(inhibited).toEqual(['SloErrorBudgetBurnSlow resnet50 latency']);
      // A notification per alert name, model and SLO, as when each model and SLO had alerts of its own names.
      const groups = (await (await fetch(`${api}/alerts/groups`)).json()) as Json[];
      const tickets = groups.filter((g) => g.labels.alertname === 'SloErrorBudgetBurnSlow').map((g) => `${g.labels.model} ${g.labels.slo} ${g.alerts.length}`).sort();
      expect(tickets).toEqual(['mobilenet latency 1', 'resnet50 availability 1', 'resnet50 latency 1']);
    } finally {
      am.kill();
    }
    const slack = values.alertmanager.config.receivers.find((r: Json) => r.name === 'platform').slack_configs[0];
    expect(slack.text).toMatch(/\.Annotations\.summary[\s\S]*\.Annotations\.description/);
    expect(slack.title).toContain('.CommonLabels.environment');
    if (amtool) {
      // The templates parse (amtool renders them with its example data).
      const tmpl = join(dir, 'none.tmpl');
      writeFileSync(tmpl, '{{ define "none" }}{{ end }}');
      for (const t of [slack.title, slack.text]) expect(spawnSync('amtool', ['template', 'render', `--template.glob=${tmpl}`, `--template.text=${t}`], { encoding: 'utf8' }).status).toBe(0);
    }
  });
});
