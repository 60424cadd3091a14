/**
 * ALB certificates and the path through the ALBs (issue #15) as apply and plan run them against the fake tools
 * and API (./fake-platform.ts): the ARNs terraform outputs reach the Ingresses of .platformc/apply/, a missing or
 * bad certificate stops apply before the cluster, and the checks through each ALB after DNS. The pure halves are
 * in certificates.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { edgeChecks, type EdgeCheck } from '../../compiler/ops/edge.js';
import { realTasks } from '../../compiler/ops/run.js';
import { run } from '../helpers/cli.js';
import { kustomizeBuild, type KubeObject } from '../helpers/kube.js';
import { irOf } from '../helpers/platform.js';
import { calls, COGNITO_401, fakebin, fakeCluster, workspace } from './fake-platform.js';

const cluster = fakeCluster();

describe('ALB certificates and the path through the ALBs (issue #15: certificates, edge checks)', () => {
  const MR = 'examples/multi-region-prod.yaml';
  const prod = (extra: Record<string, string> = {}) => ({ FAKE_ACCOUNT: '444400000003', FAKE_CURL: COGNITO_401, ...extra });
  const certificateOf = (objects: KubeObject[], name: string) => objects.find((o) => o.kind === 'Ingress' && o.metadata.name === name)?.metadata.annotations?.['alb.ingress.kubernetes.io/certificate-arn'];

  it('the ARN terraform outputs for a platform certificate reaches the Ingress by annotation, not by discovery; the dry run shows it; after DNS each host answers through its ALB', async () => {
    const w = workspace(cluster, MR);
    const dry = await run(['apply', '--env', 'prod', '--dry-run'], { cwd: w.dir, env: w.env });
    expect(dry.stdout).toContain('$ terraform -chdir=generated/terraform/prod/us-east-1/infra output -json certificate_arns');
    expect(dry.stdout).toContain('write .platformc/apply/prod/us-east-1/vision/kustomization.yaml: generated/kustomize/overlays/prod/us-east-1/models/vision with alb.ingress.kubernetes.io/certificate-arn on Ingress vision/triton-mobilenet');
    // The platform's objects as generated; the models of vision with their certificates.
    for (const dir of ['generated/kustomize/overlays/prod/us-east-1/platform', '.platformc/apply/prod/us-east-1/vision']) {
      expect(dry.stdout).toContain(`$ kubectl apply --server-side --force-conflicts --context vision-prod-prod-us-east-1 -k ${dir}\n`);
    }
    const r = await run(['apply', '--env', 'prod', '--skip-loadtests'], { cwd: w.dir, env: { ...w.env, ...prod() } });
    expect(r.code, r.stderr).toBe(0);
    for (const region of ['us-east-1', 'us-west-2']) {
      // generated/ is what platform.yaml says: no ARN there (the certificate exists only after the infra root).
      const generated = kustomizeBuild(join(w.dir, `generated/kustomize/overlays/prod/${region}/models/vision`));
      expect(certificateOf(generated, 'triton-mobilenet')).toBeUndefined();
      const applied = kustomizeBuild(join(w.dir, `.platformc/apply/prod/${region}/vision`));
      expect(certificateOf(applied, 'triton-mobilenet')).toBe(`arn:aws:acm:${region}:444400000003:certificate/fake-vision.internal.prod.ml.example.com`);
      // A model with its own ARN (and no platform certificate in its group) keeps it.
      expect(certificateOf(applied, 'triton-resnet50')).toMatch(new RegExp(`^arn:aws:acm:${region}:444400000003:certificate/[0-9a-f-]+$`));
      // Everything else is the generated kustomization, object for object.
      expect(applied.length).toBe(generated.length);
    }
    const order = calls(w.log);
    const at = (s: string) => order.findIndex((c) => c.includes(s));
    expect(at('us-east-1/infra output -json certificate_arns')).toBeGreaterThan(at('us-east-1/infra apply'));
    expect(at('us-east-1/infra output -json certificate_arns')).toBeLessThan(at('update-kubeconfig'));

    // After DNS, through each region's ALB, TLS verified (never --insecure); Cognito answers 401.
    const probes = order.filter((c) => c.startsWith('curl '));
    expect(probes).toEqual(['us-east-1', 'us-west-2'].map((region) => `curl --silent --show-error --output /dev/null --write-out '%{http_code}' --max-time 10 --connect-to vision.prod.ml.example.com:443:k8s-vision-vision-prod-prod-${region}.elb.amazonaws.com:443 https://vision.prod.ml.example.com/v2/models/resnet50/ready`));
    expect(at('curl ')).toBeGreaterThan(at('dns apply'));
    expect(probes.some((c) => / (-k|--insecure)( |$)/.test(c))).toBe(false);
    // The internal ALB: this machine is not in the VPC.
    expect(r.stderr).toMatch(/https:\/\/vision\.internal\.prod\.ml\.example\.com answers through the ALB of us-east-1 \(mobilenet 200\): ok \([\d.]+s\): skipped: vision\.internal\.prod\.ml\.example\.com is an internal ALB and this machine \([^)]*\) is not in the VPC 10\.10\.0\.0\/16 of us-east-1: run apply from inside it to check it/);

    // plan diffs what apply sends, and writes the same kustomization (a rerun is idempotent).
    const first = readFileSync(join(w.dir, '.platformc/apply/prod/us-east-1/vision/kustomization.yaml'), 'utf8');
    writeFileSync(w.log, '');
    const plan = await run(['plan', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, ...prod() } });
    expect(plan.code, plan.stderr).toBe(0);
    expect(calls(w.log)).toContain('kubectl diff --server-side --context vision-prod-prod-us-east-1 -k .platformc/apply/prod/us-east-1/vision');
    expect(readFileSync(join(w.dir, '.platformc/apply/prod/us-east-1/vision/kustomization.yaml'), 'utf8')).toBe(first);
  });

  it('writes the certificate kustomization of a group whose Ingresses get a platform certificate, and sends the other groups as generated', async () => {
    // mobilenet moves to a team of its own, nlp: its internal host gets a platform certificate, vision's resnet50 keeps its own ARN.
    const w = workspace(cluster, MR, (t) => t.replace('teams:\n', 'teams:\n  nlp:\n    gpuQuota: 9\n').replace(/(  mobilenet:\n    definition: models\/mobilenet\.yaml\n    team: )vision/, '$1nlp'));
    // An earlier run's, before mobilenet moved (vision's group took a certificate then) and of a group of a split
    // namespace since gone; another region's and a file that is no kustomization stay, and so does what a symbolic
    // link under the folder points to (never followed).
    const earlier = ['us-east-1/vision/kustomization.yaml', 'us-east-1/nlp/2/kustomization.yaml', 'us-west-2/vision/kustomization.yaml', 'us-east-1/notes.txt'];
    for (const f of earlier) {
      mkdirSync(dirname(join(w.dir, '.platformc/apply/prod', f)), { recursive: true });
      writeFileSync(join(w.dir, '.platformc/apply/prod', f), 'resources: []\n');
    }
    const outside = mkdtempSync(join(tmpdir(), 'platformc-outside-'));
    for (const f of ['kustomization.yaml', 'sub/kustomization.yaml']) {
      mkdirSync(dirname(join(outside, f)), { recursive: true });
      writeFileSync(join(outside, f), 'resources: []\n');
    }
    symlinkSync(outside, join(w.dir, '.platformc/apply/prod/us-east-1/linked'));
    // plan leaves them: it writes what its diff needs, apply removes.
    expect((await run(['plan', '--env', 'prod', '--region', 'us-east-1'], { cwd: w.dir, env: { ...w.env, ...prod() } })).code).toBe(0);
    expect(earlier.map((f) => existsSync(join(w.dir, '.platformc/apply/prod', f)))).toEqual([true, true, true, true]);
    const r = await run(['apply', '--env', 'prod', '--region', 'us-east-1', '--skip-loadtests'], { cwd: w.dir, env: { ...w.env, ...prod() } });
    expect(r.code, r.stderr).toBe(0);
    expect(earlier.map((f) => existsSync(join(w.dir, '.platformc/apply/prod', f)))).toEqual([false, false, true, true]);
    expect(existsSync(join(w.dir, '.platformc/apply/prod/us-east-1/nlp/2'))).toBe(false);
    expect(['kustomization.yaml', 'sub/kustomization.yaml'].map((f) => existsSync(join(outside, f)))).toEqual([true, true]);
    expect(calls(w.log).filter((c) => c.startsWith('kubectl apply') && !c.endsWith('/admission')).map((c) => c.split(' -k ')[1])).toEqual([
      'generated/kustomize/overlays/prod/us-east-1/platform',
      '.platformc/apply/prod/us-east-1/nlp',
      'generated/kustomize/overlays/prod/us-east-1/models/vision',
    ]);
    expect(existsSync(join(w.dir, '.platformc/apply/prod/us-east-1/vision'))).toBe(false);
    const applied = kustomizeBuild(join(w.dir, '.platformc/apply/prod/us-east-1/nlp'));
    expect(certificateOf(applied, 'triton-mobilenet')).toBe('arn:aws:acm:us-east-1:444400000003:certificate/fake-nlp.internal.prod.ml.example.com');
    expect(applied.map((o) => o.metadata.namespace)).not.toContain('vision');
  });

  it("puts the host's certificate first on every Ingress of its group, so the listener's default does not depend on which Ingress sorts first", async () => {
    // mobilenet joins resnet50's internet-facing group; resnet50 keeps its own ARN, mobilenet has none: the group gets a platform certificate.
    const w = workspace(cluster, MR, (t) => t.replace('  mobilenet:\n    definition: models/mobilenet.yaml', '  mobilenet:\n    ingress: { scheme: internet-facing, authentication: none }\n    definition: models/mobilenet.yaml'));
    const r = await run(['apply', '--env', 'prod', '--region', 'us-east-1', '--skip-loadtests'], { cwd: w.dir, env: { ...w.env, ...prod() } });
    expect(r.code, r.stderr).toBe(0);
    const applied = kustomizeBuild(join(w.dir, '.platformc/apply/prod/us-east-1/vision'));
    const host = 'arn:aws:acm:us-east-1:444400000003:certificate/fake-vision.prod.ml.example.com';
    expect(certificateOf(applied, 'triton-mobilenet')).toBe(host);
    expect(certificateOf(applied, 'triton-resnet50')).toBe(`${host},arn:aws:acm:us-east-1:444400000003:certificate/0b7c6f1e-2d3a-4c5b-9e8f-1a2b3c4d5e6f`);
  });

  it('a missing certificate output stops apply with a clear message before anything reaches the cluster', async () => {
    for (const [extra, message] of [
      [{ FAKE_TF_OUTPUT: '{}' }, 'the infra root generated/terraform/prod/us-east-1/infra has no issued ACM certificate for vision.internal.prod.ml.example.com in its output certificate_arns; nothing was applied to the cluster'],
      [{ FAKE_FAIL: 'output -json certificate_arns' }, 'terraform output of generated/terraform/prod/us-east-1/infra failed: Error: injected failure in:'],
    ] as const) {
      const w = workspace(cluster, MR);
      const r = await run(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, ...prod(extra) } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain('what to do: the infra root of us-east-1 outputs the certificates once they are issued');
      expect(r.stderr).toContain("stopped at step 'us-east-1:certificates'");
      expect(calls(w.log).filter((c) => c.startsWith('kubectl') || c.includes('update-kubeconfig') || c.includes('platform apply'))).toEqual([]);
    }
  });

  it('plan before the infra root has the ARNs diffs the plain overlay and says apply adds them', async () => {
    const w = workspace(cluster, MR);
    const fresh = await run(['plan', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, ...prod({ FAKE_TF_OUTPUT: '{}' }) } });
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stderr).toContain('the diff shows the Ingresses without their certificate ARN, which apply adds once the root is applied');
    expect(calls(w.log)).toContain('kubectl diff --server-side --context vision-prod-prod-us-east-1 -k .platformc/apply/prod/us-east-1/vision');
    expect(certificateOf(kustomizeBuild(join(w.dir, '.platformc/apply/prod/us-east-1/vision')), 'triton-mobilenet')).toBeUndefined();
  });

  it('stops before terraform when a certificate of platform.yaml is not ISSUED, does not cover its host, or does not exist', async () => {
    const arn = 'arn:aws:acm:us-east-1:444400000003:certificate/0b7c6f1e-2d3a-4c5b-9e8f-1a2b3c4d5e6f';
    for (const [cert, message] of [
      [{ Status: 'PENDING_VALIDATION', DomainName: 'vision.prod.ml.example.com' }, `${arn} (ingress.certificateArns of resnet50) is PENDING_VALIDATION in ACM, not ISSUED`],
      // A wildcard covers one label: *.ml.example.com is not valid for vision.prod.ml.example.com.
      [{ Status: 'ISSUED', DomainName: 'ml.example.com', SubjectAlternativeNames: ['ml.example.com', '*.ml.example.com'] }, `no certificate of vision.prod.ml.example.com in us-east-1 covers it, so clients would fail TLS verification (${arn} is for ml.example.com, *.ml.example.com; a wildcard covers one label only)`],
      ['missing', `${arn} (ingress.certificateArns of resnet50) does not exist in ACM of us-east-1`],
    ] as const) {
      const w = workspace(cluster, MR);
      const r = await run(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, ...prod({ FAKE_ACM: JSON.stringify({ [arn]: cert }) }) } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain("stopped at step 'us-east-1:certificates:check'");
      expect(r.stderr).toContain('what to do: fix ingress.certificateArns in platform.yaml');
      expect(calls(w.log).filter((c) => c.startsWith('terraform'))).toEqual([]);
    }
  });

  describe('the check through an ALB, as apply runs it (realTasks with the fake curl and kubectl)', () => {
    const [internal, pub] = edgeChecks(irOf(MR).environments.find((e) => e.name === 'prod')!.regions[0]!);
    const edge = async (check: EdgeCheck, extra: Record<string, string>, waitMs = 200) => {
      const saved = { ...process.env };
      const log = mkdtempSync(join(tmpdir(), 'platformc-edge-'));
      try {
        Object.assign(process.env, { PATH: `${fakebin}:${process.env.PATH}`, FAKE_LOG: join(log, 'calls.jsonl'), ...extra });
        const outcome = await realTasks(() => undefined)({ type: 'verify-edge', check }, () => {}, { waitMs, pollMs: 50 });
        return { outcome, calls: calls(join(log, 'calls.jsonl')) };
      } finally {
        process.env = saved;
      }
    };

    it('retries while the ALB provisions (its name does not resolve yet), then passes on the answer expected (Cognito: 401)', async () => {
      const r = await edge(pub!, { FAKE_CURL: JSON.stringify([['/v2/models/resnet50/', 'exit 6', '401']]), FAKE_CURL_AFTER: '2' }, 5000);
      expect(r.outcome).toBeUndefined();
      expect(r.calls.filter((c) => c.startsWith('curl '))).toHaveLength(3);
    });

    it('fails with the reason and the time it waited: a certificate not trusted for the host, or 200 where Cognito should deny', async () => {
      const untrusted = await edge(pub!, { FAKE_CURL: JSON.stringify([['/v2/models/resnet50/', 'exit 60']]) });
      expect(untrusted.outcome).toMatch(/^https:\/\/vision\.prod\.ml\.example\.com\/v2\/models\/resnet50\/ready through k8s-vision-vision-prod-prod-us-east-1\.elb\.amazonaws\.com: the ALB's certificate is not trusted for the host \(curl: \(60\) SSL certificate problem: unable to get local issuer certificate\) \(still so after [\d.]+ s\)$/);
      const open = await edge(pub!, {});
      expect(open.outcome).toMatch(/resnet50\/ready through k8s-vision-vision-prod-prod-us-east-1\.elb\.amazonaws\.com: answered 200, not 401/);
    });

    it('skips an ALB restricted to allowedCidrs from outside them, with a sentence, and checks it from inside; an internal one from outside its VPC', async () => {
      const restricted = { ...pub!, allowedCidrs: ['203.0.113.0/24'] };
      const outside = await edge(restricted, { FAKE_PUBLIC_IP: '198.51.100.7' });
      expect(outside.outcome).toEqual({ note: "skipped: vision.prod.ml.example.com admits only 203.0.113.0/24 (allowedCidrs) and this machine's public address 198.51.100.7 is outside them" });
      expect(outside.calls).toEqual(['curl --silent --show-error --max-time 10 https://checkip.amazonaws.com']);
      const inside = await edge(restricted, { FAKE_PUBLIC_IP: '203.0.113.9', FAKE_CURL: COGNITO_401 });
      expect(inside.outcome).toBeUndefined();
      expect(inside.calls.filter((c) => c.includes('/v2/models/resnet50/ready'))).toHaveLength(1);
      const vpc = await edge(internal!, {});
      expect(vpc.outcome).toMatchObject({ note: expect.stringContaining('is an internal ALB and this machine') });
      expect(vpc.calls).toEqual([]);
    });
  });
});
