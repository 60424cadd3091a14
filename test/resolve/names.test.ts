/**
 * Names that cannot collide: every generated name is unique by construction, even when user names are at
 * their length limits or share long prefixes (names cut to a limit keep a hash of the whole).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';
import { filesOf, irOfText } from '../helpers/platform.js';

const reference = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8');

/** The reference platform with a 20-character name, a 12-character environment and models sharing a 20-character prefix. */
const longNames = reference
  .replace('name: inference', 'name: gpu-inference-shared')
  .replace(/^ {2}prod:$/m, '  preprod-east:')
  .replace('environments: [dev, prod]', 'environments: [dev, preprod-east]')
  .replace(/^ {2}resnet50:$/m, '  resnet50-imagenet-v1-fp32:')
  .replace(/^ {2}mobilenet:$/m, '  resnet50-imagenet-v1-int8:')
  // the per-environment replicas of dev and prod
  .replaceAll('resnet50: { replicas', 'resnet50-imagenet-v1-fp32: { replicas')
  .replaceAll('mobilenet: { replicas', 'resnet50-imagenet-v1-int8: { replicas');

describe('generated names', () => {
  it('the long-name platform is what the test means it to be', () => {
    expect(longNames).toContain('preprod-east:');
    expect(longNames.match(/resnet50-imagenet-v1-(fp32|int8):/g)).toHaveLength(6);
    expect(longNames).not.toMatch(/\b(resnet50|mobilenet):/);
  });

  it('compile without collisions when names are at their limits and share long prefixes', () => {
    const ir = irOfText(longNames);
    const files = filesOf(ir);
    const dashboards = files.filter((f) => f.path.startsWith('grafana/') && f.path.endsWith('.json')).map((f) => JSON.parse(f.content) as { uid: string });
    const uids = dashboards.map((d) => d.uid);
    expect(uids.length).toBeGreaterThan(2);
    expect(new Set(uids).size).toBe(uids.length);
    for (const uid of uids) expect(uid.length).toBeLessThanOrEqual(40);
  });

  it('reads every per-model name from the IR, the same in every environment and region', () => {
    const ir = irOfText(longNames);
    for (const m of ir.models) {
      for (const env of ir.environments) for (const r of env.regions) expect(r.deployments.find((d) => d.model === m.name)!.workload).toBe(m.workload);
    }
    const roles = ir.environments.flatMap((e) => e.regions.flatMap((r) => r.deployments.map((d) => d.roleName)));
    expect(new Set(roles).size).toBe(roles.length);
    for (const role of roles) expect(role.length).toBeLessThanOrEqual(64);
  });
});
