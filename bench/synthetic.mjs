/** A valid platform with `models` models over dev, staging and prod, each with a standby region (bench/run.mjs, bench/snapshot.mjs). */
export function syntheticSpec(models) {
  const pools = Math.ceil(models / 10);
  const lines = [
    'apiVersion: platformc.dev/v1alpha1', 'kind: Platform',
    'metadata: { name: synthetic, owner: bench@example.com }',
    'regions:', '  us-east-1: { vpcCidr: 10.0.0.0/16 }', '  us-west-2: { vpcCidr: 10.1.0.0/16 }',
    'nodePools:', '  general: { role: general, instanceTypes: [m6i.xlarge], minSize: 2, maxSize: 4 }',
  ];
  for (let p = 0; p < pools; p++) lines.push(`  gpu-${p}: { role: gpu, instanceTypes: [g5.xlarge], minSize: 0, maxSize: 20 }`);
  lines.push('teams:');
  for (let p = 0; p < pools; p++) lines.push(`  team-${p}: { gpuQuota: 40 }`);
  lines.push('models:');
  for (let m = 0; m < models; m++) {
    const p = Math.floor(m / 10);
    lines.push(`  model-${m}: { definition: models/${m % 2 ? 'mobilenet' : 'resnet50'}.yaml, team: team-${p}, nodePool: gpu-${p}, replicas: { min: 1, max: 2 }, slo: { latencyP99Ms: 50, availability: 99.9, targetRps: 10 } }`);
  }
  lines.push('budget: { monthlyUsd: 100000000, enforcement: warning }', 'environments:');
  ['dev', 'staging', 'prod'].forEach((env, i) =>
    lines.push(`  ${env}: { account: "00000000000${i + 1}", region: us-east-1, standby: { region: us-west-2 }, state: { bucket: synthetic-tfstate-${env} } }`),
  );
  return `${lines.join('\n')}\n`;
}
