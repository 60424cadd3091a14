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
import { irOf, irOfText } from '../helpers/platform.js';

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

it('a platform without models has no revision steps (not two empty ones)', () => {
  const text = readFileSync(join(repoRoot, 'examples/minimal-dev.yaml'), 'utf8').replace(/^models:\n(?: {2}.*\n|\s*#.*\n)+/m, 'models: {}\n').replace('../models/', 'models/');
  const ir = irOfText(text);
  expect(ir.models).toEqual([]);
  expect(applySteps(ir, ir.environments[0]!, { generated: 'generated' }).filter((s) => s.id.includes(':revisions:'))).toEqual([]);
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
  it('runs at most the limit at a time, gives the results in the order of the items, and starts none once told to stop or after a throw', async () => {
    let running = 0;
    let most = 0;
    // The later items finish first.
    const results = await mapAtMost(Array.from({ length: 20 }, (_, i) => i), 3, () => false, async (i) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 20 - i));
      running--;
      return i * 10;
    });
    expect(most).toBe(3);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 10));
    let started = 0;
    expect(await mapAtMost(Array.from({ length: 20 }, (_, i) => i), 3, () => started >= 5, async (i) => (started++, i))).toEqual([0, 1, 2, 3, 4]);
    started = 0;
    await expect(mapAtMost(Array.from({ length: 20 }, (_, i) => i), 3, () => false, async (i) => {
      started++;
      await new Promise((r) => setTimeout(r, 5));
      if (i === 1) throw new Error('boom');
      return i;
    })).rejects.toThrow('boom');
    await new Promise((r) => setTimeout(r, 50));
    // The three first, and at most the two that finished as it threw took another each.
    expect(started).toBeLessThanOrEqual(5);
    await expect(mapAtMost([1], 0, () => false, async (i) => i)).rejects.toThrow(RangeError);
  });

  const ir = irOf('platform.yaml');
  const base = revisionObjects(ir.models[0]!, ir.environments[0]!.regions[0]!, 'generated');
  const many = Array.from({ length: 30 }, (_, i): ModelRevisionObjects => {
    const model = `m${String(i).padStart(2, '0')}`;
    return { ...base, model, config: { ...base.config, key: `${model}/r/config.pbtxt` }, weights: { ...base.weights, key: `${model}/r/1/model.onnx` } };
  });
  /** A fake aws: head-object answers each object's checksum after a while (a later model sooner), or a 403 for `denied`. */
  const fakeAws = (denied: string | undefined, seen: { started: string[]; inFlight: number; most: number }): Exec => async (argv) => {
    const key = argv[argv.indexOf('--key') + 1]!;
    seen.started.push(key);
    seen.most = Math.max(seen.most, ++seen.inFlight);
    await new Promise((done) => setTimeout(done, 40 - Number(key.slice(1, 3))));
    seen.inFlight--;
    if (denied && key.startsWith(`${denied}/`)) return { failed: true, exitCode: 254, stdout: '', stderr: 'An error occurred (403) when calling the HeadObject operation: Forbidden' };
    return { failed: false, exitCode: 0, stdout: `${Buffer.from(key.endsWith('config.pbtxt') ? base.config.sha256 : base.weights.sha256, 'hex').toString('base64')}\n`, stderr: '' };
  };

  it("checks every model, at most MODEL_CHECKS_AT_ONCE at a time, each model's lines together in the log", async () => {
    const seen = { started: [] as string[], inFlight: 0, most: 0 };
    const lines: string[] = [];
    expect(await forEachRevision(many, verifyRevision, fakeAws(undefined, seen), (l) => lines.push(l), new Set())).toBeUndefined();
    expect(seen.most).toBe(MODEL_CHECKS_AT_ONCE);
    expect(new Set(seen.started.map((k) => k.split('/')[0])).size).toBe(many.length);
    // Under each heading, its model's two checks and nothing of another model.
    const headings = lines.flatMap((l, i) => (l.startsWith('# ') ? [i] : []));
    expect(headings.map((i) => lines[i]!.split(' ')[1]).sort()).toEqual(many.map((o) => o.model));
    for (const [n, at] of headings.entries()) {
      const model = lines[at]!.split(' ')[1]!;
      expect(lines.slice(at + 1, headings[n + 1] ?? lines.length).filter((l) => l.startsWith('$ ')).map((l) => / --key ([^/]+)\//.exec(l)?.[1])).toEqual([model, model]);
    }
  });

  it('starts no model after a problem or a signal, names each problem with its model, and logs it', async () => {
    const seen = { started: [] as string[], inFlight: 0, most: 0 };
    const lines: string[] = [];
    const problem = await forEachRevision(many, verifyRevision, fakeAws('m02', seen), (l) => lines.push(l), new Set());
    expect(problem!.split('\n')).toHaveLength(1);
    expect(problem).toMatch(/^m02: .*head-object --bucket \S+ --key m02\/r\/config\.pbtxt .*\(403\) when calling the HeadObject operation: Forbidden/);
    // Those under way finish; none of the other 20-odd starts.
    expect(new Set(seen.started.map((k) => k.split('/')[0])).size).toBeLessThanOrEqual(2 + MODEL_CHECKS_AT_ONCE);
    expect(lines).toContain(`FAILED: ${problem!.slice('m02: '.length)}`);
    const stopped = { started: [] as string[], inFlight: 0, most: 0 };
    expect(await forEachRevision(many, verifyRevision, fakeAws(undefined, stopped), () => undefined, new Set(), () => stopped.started.length >= 4)).toBe('interrupted');
    expect(new Set(stopped.started.map((k) => k.split('/')[0])).size).toBeLessThanOrEqual(MODEL_CHECKS_AT_ONCE);
  });
});
