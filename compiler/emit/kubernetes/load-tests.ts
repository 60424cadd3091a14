/**
 * Headless load tests with k6: per model a CronJob that runs the platform's one script with the model's
 * settings (the models' scripts differed only in those values: the script is written once, the values go on
 * each CronJob). The CronJob runs on the environment's `observability.loadTests.schedule` (UTC), or is
 * suspended (a template that never fires on its own) when there is none. `platformc loadtest`, and
 * `platformc apply` at its end (`loadTests.afterApply`), create a Job from it, follow it and report the
 * verdict: k6 exits non-zero when the model's SLO thresholds (p99 latency within the SLO's bound, error
 * rate) are broken, so the Job fails. Every run is a Job in the platform namespace: kube-state-metrics
 * exports it, the dashboards annotate its run and result, and a model whose newest finished run failed
 * alerts (LoadTestFailed, compiler/emit/observability/loadtest.ts).
 *
 * These are Kubernetes objects of the model, written with its other objects (kustomize/models/<group>/<model>.yaml,
 * compiler/emit/kubernetes/kustomize.ts): once for the platform, each environment patching what differs.
 * @see https://grafana.com/docs/k6/latest/using-k6/thresholds/
 * @see https://github.com/triton-inference-server/server/blob/main/docs/protocol/extension_binary_data.md
 */
import { LOADTEST_JOB_PREFIX, NAMESPACES, TRITON_PORTS } from '../../lib/conventions.js';
import type { DeploymentIR, EnvironmentIR, ModelIR, PlatformIR } from '../../resolve/ir.js';
import type { K8sObject } from '../shared/k8s.js';

/** Bytes per element in Triton's binary tensor format; a BYTES (string) element of zero length is its 4-byte length prefix. */
const BYTES: Record<string, number> = { TYPE_FP32: 4, TYPE_FP16: 2, TYPE_BF16: 2, TYPE_INT64: 8, TYPE_INT32: 4, TYPE_INT8: 1, TYPE_UINT8: 1, TYPE_BOOL: 1, TYPE_STRING: 4 };
/** Load test length: long enough for the p99 to mean something, short enough to run on demand. */
export const LOADTEST_DURATION = '5m';
const K6_UID = 12345;

/** The KServe v2 binary request: every input of the model, zeros at batch 1 (variable dimensions as 1), one after another. */
function requestBody(m: ModelIR): { header: Record<string, unknown>; bytes: number } {
  const inputs = m.definition.inputs.map((input) => {
    const shape = [1, ...input.dims.map((x) => (x < 0 ? 1 : x))];
    const size = shape.reduce((a, b) => a * b, 1) * BYTES[input.dataType]!;
    return { name: input.name, shape, datatype: input.dataType === 'TYPE_STRING' ? 'BYTES' : input.dataType.replace('TYPE_', ''), parameters: { binary_data_size: size } };
  });
  const header = { inputs, outputs: m.definition.outputs.map((o) => ({ name: o.name, parameters: { binary_data: true } })) };
  return { header, bytes: inputs.reduce((n, i) => n + i.parameters.binary_data_size, 0) };
}

/**
 * What a model's load test runs: its URL and request, its target rate, and its SLO as thresholds. Set on its
 * CronJob as the LOADTEST environment variable (JSON), read by the one script of the environment (K6_SCRIPT).
 */
export interface K6Config {
  readonly model: string;
  readonly url: string;
  /** The KServe v2 binary request header; `bytes` zeros follow it. */
  readonly header: Record<string, unknown>;
  readonly bytes: number;
  readonly rate: number;
  readonly duration: string;
  readonly preAllocatedVUs: number;
  readonly maxVUs: number;
  readonly p99Ms: number;
  readonly errorRate: number;
  readonly droppedRate: number;
}

export function k6Config(m: ModelIR, d: DeploymentIR): K6Config {
  const { header, bytes } = requestBody(m);
  return {
    model: m.name,
    url: `http://${d.workload}.${d.namespace}.svc:${TRITON_PORTS.http}/v2/models/${m.name}/infer`,
    header,
    bytes,
    rate: Math.ceil(d.slo.targetRps),
    duration: LOADTEST_DURATION,
    preAllocatedVUs: Math.max(10, Math.ceil(d.slo.targetRps * (d.slo.latencyP99Ms / 1000) * 2)),
    maxVUs: maxVUs(d),
    p99Ms: d.latency.boundMs,
    errorRate: Number((1 - d.slo.availability / 100).toPrecision(6)),
    droppedRate: Math.max(1, Math.ceil(d.slo.targetRps * 0.01)),
  };
}

/** The ConfigMap that holds the script, mounted by every model's load test. */
export const K6_SCRIPT_CONFIGMAP = 'platformc-k6-script';

/**
 * The k6 script, the same for every model (written once): a constant arrival rate at the
 * model's target rate, thresholds from its SLO, all from LOADTEST. k6 exits non-zero when a threshold breaks.
 */
export const K6_SCRIPT = `// k6 load test of one model, set by LOADTEST (JSON, on the model's CronJob): its target rate for the
// configured duration; fails when the model's SLO does.
import http from 'k6/http';
import { check } from 'k6';

const c = JSON.parse(__ENV.LOADTEST);
// Triton's binary tensor extension: a JSON header followed by the raw input bytes (zeros).
const header = JSON.stringify(c.header);
const body = new Uint8Array(header.length + c.bytes);
for (let i = 0; i < header.length; i++) body[i] = header.charCodeAt(i);
const params = { headers: { 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': String(header.length) }, tags: { model: c.model } };

export const options = {
  scenarios: {
    target_rps: {
      executor: 'constant-arrival-rate',
      rate: c.rate,
      timeUnit: '1s',
      duration: c.duration,
      preAllocatedVUs: c.preAllocatedVUs,
      maxVUs: c.maxVUs,
    },
  },
  thresholds: {
    http_req_duration: [{ threshold: 'p(99)<' + c.p99Ms, abortOnFail: false }],
    http_req_failed: ['rate<' + c.errorRate],
    dropped_iterations: ['rate<' + c.droppedRate],
  },
  summaryTrendStats: ['avg', 'p(50)', 'p(95)', 'p(99)', 'max'],
};

export default function () {
  const res = http.post(c.url, body.buffer, params);
  check(res, { 'status is 200': (r) => r.status === 200 });
}
`;

/** The script's ConfigMap, beside the load tests. */
export function k6ScriptObject(): K8sObject {
  const labels = { 'app.kubernetes.io/name': 'k6', 'app.kubernetes.io/component': 'load-test' };
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: K6_SCRIPT_CONFIGMAP, namespace: NAMESPACES.platform, labels }, data: { 'script.js': K6_SCRIPT } };
}

/** VUs enough for the target rate at four times the latency bound (an SLO breach must show, not starve k6). */
const maxVUs = (d: DeploymentIR) => Math.max(50, Math.ceil(d.slo.targetRps * Math.max(0.25, (4 * d.latency.boundMs) / 1000)));

/** k6 memory: every VU holds its own request body (k6 runs the init context per VU) plus about 2 MiB of its own. */
const k6MemoryMiB = (m: ModelIR, d: DeploymentIR) => Math.ceil((256 + (maxVUs(d) * requestBody(m).bytes) / 2 ** 20 + maxVUs(d) * 2) / 64) * 64;

/** The identity of a model's load test and its CronJob: scheduled, or suspended as the template `platformc loadtest` and `apply` start Jobs from. */
export function loadTestObjects(ir: PlatformIR, env: EnvironmentIR, m: ModelIR, d: DeploymentIR, generalPool: string): K8sObject[] {
  const schedule = env.observability.loadTests.schedule;
  const name = `${LOADTEST_JOB_PREFIX}${m.name}`;
  const labels = { 'app.kubernetes.io/name': 'k6', 'app.kubernetes.io/instance': name, 'app.kubernetes.io/component': 'load-test', 'platformc.dev/model': m.name };
  const k6 = ir.versions.images.k6!;
  const jobTemplate = {
    metadata: { labels },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: 86400,
      activeDeadlineSeconds: 1800,
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: name,
          automountServiceAccountToken: false,
          restartPolicy: 'Never',
          // The load generator runs on the general pool, never on the GPUs it measures.
          nodeSelector: { 'platformc.dev/pool': generalPool },
          securityContext: { runAsNonRoot: true, runAsUser: K6_UID, runAsGroup: K6_UID, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'k6',
              image: `${k6.repository}:${k6.tag}`,
              // The verdict is k6's exit code and its end-of-test summary in the log (thresholds marked ✗); no summary file, which
              // would die with the container.
              args: ['run', '--quiet', '--no-color', '/scripts/script.js'],
              env: [{ name: 'LOADTEST', value: JSON.stringify(k6Config(m, d)) }],
              resources: { requests: { cpu: '1', memory: `${k6MemoryMiB(m, d)}Mi` }, limits: { cpu: '2', memory: `${k6MemoryMiB(m, d)}Mi` } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
              volumeMounts: [{ name: 'script', mountPath: '/scripts', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'script', configMap: { name: K6_SCRIPT_CONFIGMAP } }, { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }],
        },
      },
    },
  };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: NAMESPACES.platform, labels }, automountServiceAccountToken: false },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: NAMESPACES.platform, labels }, rules: [] },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace: NAMESPACES.platform, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: NAMESPACES.platform }],
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name, namespace: NAMESPACES.platform, labels, annotations: { 'platformc.dev/run': `npx platformc loadtest --env ${env.name} --model ${m.name}` } },
      spec: schedule
        ? {
            suspend: false,
            schedule,
            timeZone: 'Etc/UTC',
            // A run missed by more than an hour (controller down, cluster asleep) is skipped, not run late.
            startingDeadlineSeconds: 3600,
            concurrencyPolicy: 'Forbid',
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 3,
            jobTemplate,
          }
        : {
            // Never runs on its own: the template for runs by platformc (loadtest, apply).
            suspend: true,
            schedule: '0 0 31 2 *',
            concurrencyPolicy: 'Forbid',
            jobTemplate,
          },
    },
  ];
}

