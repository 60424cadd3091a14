/**
 * Karpenter's Kubernetes side, one EC2NodeClass and one NodePool per GPU pool, in their own kustomization
 * (kustomize/overlays/<env>/<region>/karpenter): `platformc apply` applies them once the platform root has installed
 * the controller and its CRDs, and `platformc destroy` deletes them, and waits until Karpenter has drained and
 * terminated their nodes, before anything Karpenter needs is destroyed (no instance is left to block the VPC).
 * @see https://karpenter.sh/docs/concepts/nodepools/
 * @see https://karpenter.sh/docs/concepts/nodeclasses/
 */
import type { EnvironmentIR, NodePoolIR, RegionIR } from '../../resolve/ir.js';
import { GPU_RESOURCE, POOL_LABEL } from '../../lib/conventions.js';
import { k8sObject, type K8sObject } from '../shared/k8s.js';

/** The reasons Karpenter disrupts a node for (besides interruptions and expiry, which budgets do not govern). */
const CONSOLIDATION = ['Underutilized'] as const;

/**
 * The EC2NodeClass of a GPU pool: the NVIDIA variant of the pinned AL2023 AMI release (Karpenter's al2023 alias picks
 * it for GPU instance types), the private subnets and the node security group by discovery tag, the node role of
 * the karpenter submodule, IMDSv2 with one hop (pods cannot take the node's credentials), an encrypted gp3 root
 * volume of the pool's size (the Triton image is about 15 GB, unpacked twice that, plus the model cache in /tmp),
 * no public address, and the cost tags on instances, volumes and network interfaces.
 */
export function nodeClass(env: EnvironmentIR, r: RegionIR, pool: NodePoolIR): K8sObject {
  const discovery = { tags: { 'karpenter.sh/discovery': r.names.discoveryTag } };
  return k8sObject('karpenter.k8s.aws/v1', 'EC2NodeClass', {
    metadata: { name: pool.name },
    spec: {
      role: r.names.iam.karpenterNodeRole,
      amiSelectorTerms: [{ alias: env.cluster.amiAlias }],
      subnetSelectorTerms: [discovery],
      securityGroupSelectorTerms: [discovery],
      associatePublicIPAddress: false,
      metadataOptions: { httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 1, httpTokens: 'required' },
      blockDeviceMappings: [
        { deviceName: '/dev/xvda', rootVolume: true, ebs: { volumeSize: `${pool.diskSizeGiB}Gi`, volumeType: 'gp3', encrypted: true, deleteOnTermination: true } },
      ],
      tags: { ...env.tags, [POOL_LABEL]: pool.name },
    },
  });
}

/**
 * The NodePool of a GPU pool: the pool's instance types (one GPU model, count and memory: validation), its capacity
 * type, the labels and taints the model Deployments select and tolerate, at most maxSize nodes' GPUs, and disruption
 * that never moves serving pods while the environment is busy:
 * - at most one node at a time for any reason (with replicas spread over zones and a PodDisruptionBudget of one);
 * - inside the working hours (a UTC window covering them in every season) no consolidation and no drift
 *   replacement; an empty node may still go. Without working hours the environment is always busy: nodes are
 *   consolidated only once empty, and replaced for drift (a new AMI pin) one at a time;
 * - no expiry (`expireAfter: Never`): expiry ignores budgets, and a new AMI reaches the nodes as drift instead.
 * A spot pool asks for at least two instance types per launch (minValues), so EC2 picks the deepest spot pools.
 */
export function nodePool(env: EnvironmentIR, pool: NodePoolIR): K8sObject {
  const types = [...pool.instanceTypes];
  const spot = pool.capacityType === 'spot';
  const busy = env.busyWindowUtc;
  return k8sObject('karpenter.sh/v1', 'NodePool', {
    metadata: { name: pool.name },
    spec: {
      template: {
        metadata: { labels: { ...pool.labels } },
        spec: {
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: pool.name },
          taints: pool.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
          requirements: [
            { key: 'node.kubernetes.io/instance-type', operator: 'In', values: types, ...(spot && types.length > 1 ? { minValues: 2 } : {}) },
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: [spot ? 'spot' : 'on-demand'] },
            { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
            { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
          ],
          expireAfter: 'Never',
        },
      },
      limits: { [GPU_RESOURCE]: String(pool.karpenter!.gpuLimit) },
      disruption: {
        consolidationPolicy: 'WhenEmptyOrUnderutilized',
        // As long as cluster-autoscaler's scale-down-unneeded-time: a node idle between bursts is not churned.
        consolidateAfter: '10m',
        budgets: [
          { nodes: '1' },
          busy
            ? { nodes: '0', reasons: [...CONSOLIDATION, 'Drifted'], schedule: busy.schedule, duration: busy.duration }
            : { nodes: '0', reasons: [...CONSOLIDATION] },
        ],
      },
    },
  });
}

/** The EC2NodeClasses and NodePools of a region: one each per Karpenter GPU pool. */
export function karpenterObjects(env: EnvironmentIR, r: RegionIR): { nodeClasses: K8sObject[]; nodePools: K8sObject[] } {
  const pools = r.nodePools.filter((p) => p.karpenter);
  return { nodeClasses: pools.map((p) => nodeClass(env, r, p)), nodePools: pools.map((p) => nodePool(env, p)) };
}
