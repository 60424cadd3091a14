/**
 * Scale to zero outside working hours, inside the cluster: in each team namespace that serves models, two CronJobs
 * set the models' Deployments to 0 replicas at the end of the day and back to replicas.min at its start, through
 * the scale subresource. With no Triton pod left, the GPU nodes are empty and the node provisioner removes them
 * (cluster-autoscaler down to the pool's minSize, Karpenter by consolidation); nothing touches the node groups'
 * Auto Scaling groups behind EKS's back.
 *
 * The HPA needs no change: while its target has 0 replicas the HPA controller does not scale it (condition
 * ScalingActive=False, reason ScalingDisabled), and once the morning job sets replicas.min it scales from there.
 * So the CronJobs need only `patch` on `deployments/scale` of the namespace's own model Deployments.
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#implicit-maintenance-mode-deactivation
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones
 */
import type { V1CronJob, V1NetworkPolicy, V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import type { EnvironmentIR, PlatformIR, RegionIR } from '../../resolve/ir.js';
import { POOL_LABEL } from '../../lib/conventions.js';
import { k8sObject as obj, type K8sObject } from '../shared/k8s.js';

/** Name of the service account, Role, RoleBinding and NetworkPolicy of the working-hours CronJobs in a namespace. */
export const WORKING_HOURS_SCALER = 'working-hours-scaler';
/** uid and gid of curl_user in the curlimages/curl image. */
const CURL_UID = 100;
const CURL_GID = 101;

/** The CronJobs of an environment's region (none without working hours), per namespace that serves models. */
export function workingHoursObjects(ir: PlatformIR, env: EnvironmentIR, r: RegionIR): K8sObject[] {
  const wh = env.workingHours;
  if (!wh) return [];
  const generalPool = r.nodePools.find((p) => p.role === 'general')!.name;
  const namespaces = [...new Set(r.deployments.map((d) => d.namespace))].sort();
  return namespaces.flatMap((ns) => {
    const deployments = r.deployments.filter((d) => d.namespace === ns);
    const labels = { 'app.kubernetes.io/name': WORKING_HOURS_SCALER, 'app.kubernetes.io/component': 'working-hours' };
    const sa: V1ServiceAccount = { metadata: { name: WORKING_HOURS_SCALER, namespace: ns, labels }, automountServiceAccountToken: false };
    // Only the scale of this namespace's model Deployments, only patch: no read, no other object, no escalation.
    const role: V1Role = {
      metadata: { name: WORKING_HOURS_SCALER, namespace: ns, labels },
      rules: [{ apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: deployments.map((d) => d.workload).sort(), verbs: ['patch'] }],
    };
    const binding: V1RoleBinding = {
      metadata: { name: WORKING_HOURS_SCALER, namespace: ns, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: WORKING_HOURS_SCALER },
      subjects: [{ kind: 'ServiceAccount', name: WORKING_HOURS_SCALER, namespace: ns }],
    };
    // The namespace denies all egress by default: the API server over HTTPS (its endpoints are ENIs in the VPC,
    // reached through the kubernetes Service), never the instance metadata service.
    const egress: V1NetworkPolicy = {
      metadata: { name: `${WORKING_HOURS_SCALER}-allow-api-server`, namespace: ns, labels },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': WORKING_HOURS_SCALER } },
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }], ports: [{ protocol: 'TCP', port: 443 }] }],
      },
    };
    const job = (phase: 'start' | 'stop'): K8sObject => {
      const name = `working-hours-${phase}`;
      const replicas = (min: number) => (phase === 'start' ? min : 0);
      const cronJob: V1CronJob = {
        metadata: { name, namespace: ns, labels, annotations: { 'platformc.dev/working-hours': `${wh.days.join(',')} ${wh.start}-${wh.end} ${wh.timeZone}` } },
        spec: {
          schedule: phase === 'start' ? wh.cron.start : wh.cron.stop,
          timeZone: wh.timeZone,
          concurrencyPolicy: 'Forbid',
          // A missed run (controller down at that minute) still happens within the hour.
          startingDeadlineSeconds: 3600,
          successfulJobsHistoryLimit: 1,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            metadata: { labels },
            spec: {
              backoffLimit: 3,
              activeDeadlineSeconds: 600,
              ttlSecondsAfterFinished: 86400,
              template: {
                metadata: { labels },
                spec: {
                  serviceAccountName: WORKING_HOURS_SCALER,
                  // The one pod that needs the token mounts it; the service account itself does not hand it out.
                  automountServiceAccountToken: true,
                  restartPolicy: 'Never',
                  // The general pool is always up; a GPU node may be the one being emptied.
                  nodeSelector: { [POOL_LABEL]: generalPool },
                  securityContext: { runAsNonRoot: true, runAsUser: CURL_UID, runAsGroup: CURL_GID, seccompProfile: { type: 'RuntimeDefault' } },
                  containers: [
                    {
                      name: 'scale',
                      image: `${ir.versions.images.curl!.repository}:${ir.versions.images.curl!.tag}`,
                      command: ['/bin/sh', '-c', scaleScript(ns, deployments.map((d) => [d.workload, replicas(d.replicas.min)] as const))],
                      resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
                      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
                    },
                  ],
                },
              },
            },
          },
        },
      };
      return obj('batch/v1', 'CronJob', cronJob);
    };
    return [
      obj('v1', 'ServiceAccount', sa),
      obj('rbac.authorization.k8s.io/v1', 'Role', role),
      obj('rbac.authorization.k8s.io/v1', 'RoleBinding', binding),
      obj('networking.k8s.io/v1', 'NetworkPolicy', egress),
      job('stop'),
      job('start'),
    ];
  });
}

/**
 * PATCH of each Deployment's scale subresource with the pod's service-account token (merge patch of
 * spec.replicas: the only call the Role allows). Names are DNS labels and counts integers, so nothing needs quoting.
 */
function scaleScript(namespace: string, targets: readonly (readonly [string, number])[]): string {
  const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
  return [
    'set -eu',
    `token=$(cat ${sa}/token)`,
    'api="https://${KUBERNETES_SERVICE_HOST}:${KUBERNETES_SERVICE_PORT}"',
    // One command per line: `set -e` stops at a failed curl (it would not inside an && list).
    ...targets.flatMap(([name, n]) => [
      `curl -sS --fail-with-body --retry 5 --retry-all-errors --cacert ${sa}/ca.crt -H "Authorization: Bearer $token" -H 'Content-Type: application/merge-patch+json' -X PATCH "$api/apis/apps/v1/namespaces/${namespace}/deployments/${name}/scale" -d '{"spec":{"replicas":${n}}}' >/dev/null`,
      `echo "${namespace}/${name}: ${n} replicas"`,
    ]),
    '',
  ].join('\n');
}
