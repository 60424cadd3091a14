/**
 * Model revisions in the model bucket (K8s #13, #17; issue 15 items 1 and 4): apply uploads each model's config.pbtxt
 * and weights to the revision's own prefix, verifies them there, and only then applies the Deployments that name
 * that prefix. The plan is read from the step list --dry-run prints; the upload and the checks run against the fake
 * aws of test/fixtures/fakebin, which keeps the objects' SHA-256 as S3 does.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { forEachRevision, mapAtMost, MODEL_CHECKS_AT_ONCE, revisionObjects, uploadRevision, verifyRevision, type Exec, type ModelRevisionObjects } from '../../compiler/ops/models.js';
import { execTool, realTasks } from '../../compiler/ops/run.js';
import { commandLine } from '../../compiler/lib/shell.js';
import { applySteps, type Step } from '../../compiler/ops/steps.js';
import { repoRoot } from '../helpers/cli.js';
import { irOf } from '../helpers/platform.js';

const SPECS = ['platform.yaml', 'examples/minimal-dev.yaml', 'examples/multi-region-prod.yaml', 'examples/spot-cost-optimised.yaml', 'examples/multi-model-teams.yaml'];
const described = (s: Step) => (s.kind === 'task' ? s.describe : commandLine(s.argv));

describe('apply plan: upload to the revision prefix, verify there, then kubectl apply', () => {
  for (const spec of SPECS) {
    it(`${spec}: every model's config and weights go to <model>/<revision>/, are verified, and only then do the Deployments that name it apply`, () => {
      const ir = irOf(spec);
      for (const env of ir.environments) {
        const steps = applySteps(ir, env, { generated: 'generated' });
        const at = (id: string) => steps.findIndex((s) => s.id === id);
        for (const r of env.regions) {
          // The first of the region's kustomizations (the platform's objects; the models' come after it).
          const apply = steps.findIndex((s) => s.id.startsWith(`${r.region}:kustomize`));
          expect(steps[apply]!.id).toBe(`${r.region}:kustomize`);
          const [upload, verify] = [at(`${r.region}:revisions:upload`), at(`${r.region}:revisions:verify`)];
          expect(upload).toBeGreaterThan(-1);
          expect(upload).toBeLessThan(verify);
          expect(verify).toBeLessThan(apply);
          const [uploadTask, verifyTask] = [steps[upload]!, steps[verify]!].map((s) => (s.kind === 'task' ? s.task : undefined));
          expect([uploadTask, verifyTask].map((t) => t && 'objects' in t && t.objects.map((x) => x.model))).toEqual([ir.models.map((m) => m.name), ir.models.map((m) => m.name)]);
          for (const m of ir.models) {
            const prefix = `${m.name}/${m.revision}/${m.name}`;
            expect(described(steps[upload]!)).toContain(`put-object --bucket ${r.names.modelBucket} --key ${prefix}/config.pbtxt --body generated/triton/models/${m.name}/config.pbtxt`);
            expect(described(steps[upload]!)).toContain(`copy-object --copy-source ${m.definition.weights.uri.slice('s3://'.length)} --bucket ${r.names.modelBucket} --key ${prefix}/1/model.onnx --checksum-algorithm SHA256`);
            expect(described(steps[verify]!)).toContain(`head-object --bucket ${r.names.modelBucket} --key ${prefix}/1/model.onnx --checksum-mode ENABLED`);
          }
          // Nothing writes to the prefix running pods used to read (<model>/<model>/...) any more.
          for (const s of steps) for (const m of ir.models) expect(described(s)).not.toContain(`${r.names.modelBucket}/${m.name}/${m.name}/`);
        }
      }
    });
  }
});

describe('upload and verification against S3 checksums (the fake aws keeps them as S3 does)', () => {
  const ir = irOf('platform.yaml');
  const env = ir.environments.find((e) => e.name === 'prod')!;
  const m = ir.models.find((x) => x.name === 'resnet50')!;
  const fakeWeights = createHash('sha256').update('fake weights\n').digest('hex');
  const saved = { ...process.env };
  let log = '';
  beforeEach(() => {
    log = join(mkdtempSync(join(tmpdir(), 'platformc-s3-')), 'calls.log');
    Object.assign(process.env, { PATH: `${join(repoRoot, 'test/fixtures/fakebin')}:${saved.PATH}`, FAKE_LOG: log });
  });
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });
  // The repository's generated/ config.pbtxt; the fake copies 'fake weights\n' (FAKE_S3_OBJECT).
  const objects = (): ModelRevisionObjects => {
    const o = revisionObjects(m, env.regions[0]!, join(repoRoot, 'generated'));
    return { ...o, weights: { ...o.weights, sha256: fakeWeights } };
  };
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { argv: string[] }).argv.slice(0, 2).join(' ')) : []);
  const lines: string[] = [];
  const note = (l: string) => lines.push(l);

  it('the IR holds the sha256 of config.pbtxt exactly as generated/ has it (what apply uploads and the pods check)', () => {
    expect(createHash('sha256').update(readFileSync(objects().config.file)).digest('hex')).toBe(m.configSha256);
  });

  it('uploads a new revision, verifies it, and does not upload it again on the next apply', async () => {
    const o = objects();
    const run1 = new Set<string>();
    expect(await uploadRevision(o, execTool, note, run1)).toBeUndefined();
    expect(calls()).toEqual(['s3api head-object', 's3api put-object', 's3api head-object', 's3api copy-object']);
    // What this run uploaded is checked.
    writeFileSync(log, '');
    expect(await verifyRevision(o, execTool, note, run1)).toBeUndefined();
    expect(calls()).toEqual(['s3api head-object', 's3api head-object']);
    // The next apply finds both verified and asks S3 nothing more in its verification step; a verification with
    // nothing found by an upload step of its run checks both.
    writeFileSync(log, '');
    const run2 = new Set<string>();
    expect(await uploadRevision(o, execTool, note, run2)).toBeUndefined();
    expect(await verifyRevision(o, execTool, note, run2)).toBeUndefined();
    expect(calls()).toEqual(['s3api head-object', 's3api head-object']);
    writeFileSync(log, '');
    expect(await verifyRevision(o, execTool, note, new Set())).toBeUndefined();
    expect(calls()).toEqual(['s3api head-object', 's3api head-object']);
  });

  it("apply's task runner keeps what its upload steps found for its verification steps, one run at a time", async () => {
    const o = objects();
    const timing = { waitMs: 0, pollMs: 0 };
    const first = realTasks(() => undefined);
    for (const type of ['upload-models', 'verify-models'] as const) expect(await first({ type, objects: [o] }, note, timing)).toBeUndefined();
    writeFileSync(log, '');
    const rerun = realTasks(() => undefined);
    for (const type of ['upload-models', 'verify-models'] as const) expect(await rerun({ type, objects: [o] }, note, timing)).toBeUndefined();
    expect(calls()).toEqual(['s3api head-object', 's3api head-object']);
    writeFileSync(log, '');
    expect(await realTasks(() => undefined)({ type: 'verify-models', objects: [o] }, note, timing)).toBeUndefined();
    expect(calls()).toEqual(['s3api head-object', 's3api head-object']);
  });

  it('fails verification when the copied weights are not the declared bytes, naming the object and both hashes', async () => {
    process.env.FAKE_S3_OBJECT = 'tampered weights\n';
    const o = objects();
    expect(await uploadRevision(o, execTool, note)).toBeUndefined();
    const tampered = createHash('sha256').update('tampered weights\n').digest('hex');
    expect(await verifyRevision(o, execTool, note)).toBe(`s3://${o.bucket}/${o.weights.key} has sha256 ${tampered}, not ${fakeWeights} (the weights at ${o.weights.source} are not the ones models/resnet50.yaml names)`);
  });

  it('a revision that is missing fails verification (nothing to roll out to)', async () => {
    const o = objects();
    expect(await verifyRevision(o, execTool, note)).toBe(`s3://${o.bucket}/${o.config.key} is missing; s3://${o.bucket}/${o.weights.key} is missing`);
  });

  it("S3 refuses a config.pbtxt whose bytes are not the IR's sha256 (put-object with --checksum-sha256)", async () => {
    const o = objects();
    const r = await uploadRevision({ ...o, config: { ...o.config, sha256: fakeWeights } }, execTool, note);
    expect(r).toMatch(/put-object .* failed: .*BadDigest/);
  });

  it("a multipart checksum (checksum of the parts' checksums) is never compared: the object is downloaded and hashed", async () => {
    const o = objects();
    expect(await uploadRevision(o, execTool, note)).toBeUndefined();
    process.env.FAKE_S3_COMPOSITE = '1';
    writeFileSync(log, '');
    expect(await verifyRevision(o, execTool, note)).toBeUndefined();
    expect(calls()).toEqual(['s3api head-object', 's3api head-object', 's3 cp']);
    // The bytes S3 serves are hashed: other bytes fail.
    process.env.FAKE_S3_OBJECT = 'tampered weights\n';
    expect(await verifyRevision(o, execTool, note)).toMatch(/model.onnx has sha256 [0-9a-f]{64}, not /);
  });
});

describe("a region's revisions, several at once", () => {
  it('runs at most the limit at a time, gives results in the order of the items and reports them in that order', async () => {
    let running = 0;
    let most = 0;
    const reported: number[] = [];
    // The later items finish first.
    const results = await mapAtMost(Array.from({ length: 20 }, (_, i) => i), 3, async (i) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 20 - i));
      running--;
      return i * 10;
    }, (r) => reported.push(r));
    expect(most).toBe(3);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 10));
    expect(reported).toEqual(results);
  });

  it("keeps each model's log together in the models' order, and names every model that failed, one a line", async () => {
    const ir = irOf('examples/multi-model-teams.yaml');
    const r = ir.environments[0]!.regions[0]!;
    const objects = ir.models.map((m) => revisionObjects(m, r, 'generated'));
    expect(objects.length).toBeGreaterThan(2);
    let inFlight = 0;
    let most = 0;
    // A fake aws: head-object finds nothing for the first model (its check then fails), the right checksum for the others; the first model answers last.
    const exec: Exec = async (argv) => {
      most = Math.max(most, ++inFlight);
      const key = argv[argv.indexOf('--key') + 1]!;
      await new Promise((done) => setTimeout(done, key.startsWith(`${objects[0]!.model}/`) ? 30 : 1));
      inFlight--;
      const o = objects.find((x) => key.startsWith(`${x.model}/`))!;
      if (o === objects[0] || o === objects[2]) return { failed: true, exitCode: 254, stdout: '', stderr: 'An error occurred (404) when calling the HeadObject operation: Not Found' };
      return { failed: false, exitCode: 0, stdout: `${Buffer.from(key === o.config.key ? o.config.sha256 : o.weights.sha256, 'hex').toString('base64')}\n`, stderr: '' };
    };
    const lines: string[] = [];
    const problem = await forEachRevision(objects, verifyRevision, exec, (l) => lines.push(l), new Set());
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(MODEL_CHECKS_AT_ONCE);
    expect(lines.filter((l) => l.startsWith('# ')).map((l) => l.split(' ')[1])).toEqual(objects.map((o) => o.model));
    // Each model's two checks right under its heading.
    for (const o of objects) expect(lines[lines.indexOf(`# ${o.model} (revision ${o.revision})`) + 1]).toContain(`--key ${o.config.key} `);
    expect(problem!.split('\n')).toEqual([objects[0]!, objects[2]!].map((o) => `${o.model}: s3://${o.bucket}/${o.config.key} is missing; s3://${o.bucket}/${o.weights.key} is missing`));
  });
});
