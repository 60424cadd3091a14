/**
 * Negative controls: each real-tool check the tests rely on (promtool, terraform fmt, kubectl kustomize, the
 * strict Kubernetes schemas) rejects a deliberately broken input, so a green test means the check ran and
 * passed, not that it could not fail.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { hasReference, hasTool, referenceDir } from './helpers/cli.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'platformc-control-'));

describe('the checks the tests use can fail', () => {
  it.skipIf(!hasTool('promtool'))('promtool check rules rejects a rule with a broken expression', () => {
    const file = join(scratch(), 'bad.rules.yaml');
    writeFileSync(file, 'groups:\n  - name: bad\n    rules:\n      - record: x:y\n        expr: sum(rate(foo[5m])\n');
    expect(spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' }).status).not.toBe(0);
  });

  it.skipIf(!hasTool('terraform', ['version']))('terraform fmt -check rejects a badly formatted file', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'main.tf'), 'locals {\n  a = 1\n  bb = 2\n}\n');
    const r = spawnSync('terraform', ['fmt', '-check', dir], { encoding: 'utf8', env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' } });
    expect(r.status).toBe(3);
  });

  it.skipIf(!hasTool('kubectl', ['version', '--client']))('kubectl kustomize rejects a kustomization that names a missing resource', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [missing.yaml]\n');
    expect(spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' }).status).not.toBe(0);
  });

  it.skipIf(!hasReference)('the strict Deployment schema rejects an unknown field', () => {
    const schema = JSON.parse(readFileSync(join(referenceDir, 'kubernetes/schemas/v1.31.0-standalone-strict/deployment-apps-v1.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strictTypes: false, strict: false }).compile(schema);
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } };
    expect(validate(deployment)).toBe(true);
    expect(validate({ ...deployment, spec: { ...deployment.spec, replicaz: 2 } })).toBe(false);
  });
});
