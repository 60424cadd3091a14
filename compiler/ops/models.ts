/**
 * Model revisions in the model bucket: what apply uploads and how it verifies it, before any Deployment names it.
 *
 * A revision (ModelIR.revision) is a content address: its prefix <model>/<revision>/ holds exactly one config.pbtxt
 * and one model.onnx, and is never overwritten with other bytes. apply uploads a revision only when the bucket does
 * not already hold it verified, and verifies it before `kubectl apply`: a failed check leaves the running
 * Deployments on their own revision, which is still there.
 *
 * Checksums, exactly: config.pbtxt is uploaded with put-object and its SHA-256 (S3 refuses other bytes: BadDigest);
 * the weights are copied with copy-object and --checksum-algorithm SHA256, a single request (up to 5 GB; an ONNX
 * file is at most 2 GiB) after which S3 holds the SHA-256 of the whole object. head-object --checksum-mode ENABLED
 * then reads S3's SHA-256 and compares it with the one the model definition declares. A multipart upload's
 * SHA-256 is a checksum of the parts' checksums ("<base64>-<parts>"), never the file's: an object that has one
 * (or none) is downloaded and hashed instead.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { commandLine, toolFailure } from '../lib/shell.js';
import type { ModelIR, RegionIR } from '../resolve/ir.js';

/** The two objects of one model revision in one region's bucket, and what each must hash to. */
export interface ModelRevisionObjects {
  readonly region: string;
  readonly bucket: string;
  readonly model: string;
  readonly revision: string;
  /** config.pbtxt from generated/ (the freshness check made sure it is this compile's). */
  readonly config: { readonly key: string; readonly file: string; readonly sha256: string };
  /** model.onnx, copied from the model definition's weights.uri. */
  readonly weights: { readonly key: string; readonly source: string; readonly sha256: string };
  /** The model definition that names the weights (what to fix when they differ). */
  readonly definitionPath: string;
}

export function revisionObjects(m: ModelIR, r: RegionIR, generated: string): ModelRevisionObjects {
  return {
    region: r.region,
    bucket: r.names.modelBucket,
    model: m.name,
    revision: m.revision,
    config: { key: m.repository.configKey, file: join(generated, 'triton', 'models', m.name, 'config.pbtxt'), sha256: m.configSha256 },
    weights: { key: m.repository.weightsKey, source: m.definition.weights.uri, sha256: m.weightsSha256 },
    definitionPath: m.definitionPath,
  };
}

/** A hex SHA-256 as S3 writes it (base64 of the digest). */
export const base64Sha256 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

/** The AWS CLI commands behind the upload and the checks (shared by --dry-run and the runner). */
export const modelCommands = {
  /** S3's SHA-256 of an object: base64, "<base64>-<parts>" for a multipart upload, None without one. */
  checksum: (o: ModelRevisionObjects, key: string) => ['aws', 's3api', 'head-object', '--bucket', o.bucket, '--key', key, '--checksum-mode', 'ENABLED', '--query', 'ChecksumSHA256', '--output', 'text', '--region', o.region],
  /** The object's bytes on stdout (hashed in-process when S3 has no SHA-256 of the whole object). */
  download: (o: ModelRevisionObjects, key: string) => ['aws', 's3', 'cp', `s3://${o.bucket}/${key}`, '-', '--region', o.region],
  putConfig: (o: ModelRevisionObjects) => ['aws', 's3api', 'put-object', '--bucket', o.bucket, '--key', o.config.key, '--body', o.config.file, '--checksum-sha256', base64Sha256(o.config.sha256), '--region', o.region],
  copyWeights: (o: ModelRevisionObjects) => ['aws', 's3api', 'copy-object', '--copy-source', o.weights.source.replace(/^s3:\/\//, ''), '--bucket', o.bucket, '--key', o.weights.key, '--checksum-algorithm', 'SHA256', '--region', o.region],
};

/** What --dry-run prints for the upload step: the commands in the order a first upload runs them. */
export function describeUpload(o: ModelRevisionObjects, line: (argv: readonly string[]) => string): string {
  return [
    `$ ${line(modelCommands.checksum(o, o.config.key))}`,
    `$ ${line(modelCommands.putConfig(o))}`,
    `$ ${line(modelCommands.checksum(o, o.weights.key))}`,
    `$ ${line(modelCommands.copyWeights(o))}`,
    `(each upload only when head-object does not find the object with its sha256: a revision already there is not uploaded again)`,
  ].join('\n    ');
}

/** What --dry-run prints for the verification step. */
export function describeVerify(o: ModelRevisionObjects, line: (argv: readonly string[]) => string): string {
  return [
    `$ ${line(modelCommands.checksum(o, o.config.key))}`,
    `$ ${line(modelCommands.checksum(o, o.weights.key))}`,
    `(S3's SHA-256 must be ${base64Sha256(o.config.sha256)} and ${base64Sha256(o.weights.sha256)}; an object with only a multipart checksum is downloaded and hashed: ${line(modelCommands.download(o, o.weights.key))} | sha256; an object the upload step of this run found verified is not asked about again)`,
  ].join('\n    ');
}

/** Runs a command: what execa reports, reduced to what the tasks read (stdout streamed to onStdout instead when given). */
export type Exec = (
  argv: readonly string[],
  options?: { readonly onStdout?: (chunk: Buffer) => void; readonly env?: Readonly<Record<string, string>> },
) => Promise<{ readonly failed: boolean; readonly exitCode?: number; readonly stdout: string; readonly stderr: string }>;

type Found = { readonly state: 'verified' } | { readonly state: 'missing' } | { readonly state: 'differs'; readonly actual: string } | { readonly state: 'error'; readonly message: string };


/** Whether the object at key holds the bytes with this sha256 (hex). */
async function check(o: ModelRevisionObjects, key: string, sha256: string, exec: Exec, log: (line: string) => void): Promise<Found> {
  const head = modelCommands.checksum(o, key);
  log(`$ ${commandLine(head)}`);
  const r = await exec(head);
  if (r.failed) {
    // head-object has no body to carry an error code: a missing key is a bare 404 (403 without s3:ListBucket).
    if (/\((404|NoSuchKey|NotFound)\)|Not Found/.test(r.stderr)) return { state: 'missing' };
    return { state: 'error', message: toolFailure(head, r.stderr) };
  }
  const s3 = r.stdout.trim();
  log(`ChecksumSHA256 ${s3}`);
  if (s3 === base64Sha256(sha256)) return { state: 'verified' };
  // A full-object SHA-256 is 32 bytes in base64 (44 characters); anything else is no checksum of the file's bytes.
  if (/^[A-Za-z0-9+/]{43}=$/.test(s3)) return { state: 'differs', actual: Buffer.from(s3, 'base64').toString('hex') };
  const get = modelCommands.download(o, key);
  log(`$ ${commandLine(get)} | sha256   (S3 has no SHA-256 of the whole object)`);
  const hash = createHash('sha256');
  const d = await exec(get, { onStdout: (chunk) => hash.update(chunk) });
  if (d.failed) return { state: 'error', message: toolFailure(get, d.stderr) };
  const actual = hash.digest('hex');
  log(`sha256 ${actual}`);
  return actual === sha256 ? { state: 'verified' } : { state: 'differs', actual };
}

/**
 * The objects one run has found verified, as `s3://<bucket>/<key>#<sha256>`: what the upload step found in the bucket
 * with its SHA-256 the verification step does not ask S3 about again (a revision's prefix is never overwritten).
 * At 500 models in two regions, a rerun made 4,000 AWS CLI calls to check revisions that were there, each a
 * process of half a second; 2,000 now. An object the upload step put there is checked (and every run, a rerun
 * too, runs the upload step before the verification step: tasks are never skipped as done).
 */
export type VerifiedObjects = Set<string>;
const verifiedId = (o: ModelRevisionObjects, key: string, sha256: string) => `s3://${o.bucket}/${key}#${sha256}`;

/** upload-model: each object of the revision that the bucket does not hold verified is uploaded; none when both are. */
export async function uploadRevision(o: ModelRevisionObjects, exec: Exec, log: (line: string) => void, verified: VerifiedObjects = new Set()): Promise<string | undefined> {
  const objects = [
    { key: o.config.key, sha256: o.config.sha256, upload: modelCommands.putConfig(o) },
    { key: o.weights.key, sha256: o.weights.sha256, upload: modelCommands.copyWeights(o) },
  ];
  for (const x of objects) {
    const found = await check(o, x.key, x.sha256, exec, log);
    if (found.state === 'error') return found.message;
    if (found.state === 'verified') {
      log(`s3://${o.bucket}/${x.key} is there with sha256 ${x.sha256}: not uploaded again`);
      verified.add(verifiedId(o, x.key, x.sha256));
      continue;
    }
    log(`$ ${commandLine(x.upload)}`);
    const r = await exec(x.upload);
    if (r.failed) return `${x.key === o.weights.key ? `the weights must be readable at ${o.weights.source} and the bucket writable by the credentials apply runs with: ` : ''}${toolFailure(x.upload, r.stderr)}`;
  }
  return undefined;
}

/** verify-model: both objects of the revision hash to what the IR says, or the problem to stop on. */
export async function verifyRevision(o: ModelRevisionObjects, exec: Exec, log: (line: string) => void, verified: VerifiedObjects = new Set()): Promise<string | undefined> {
  const problems: string[] = [];
  for (const x of [o.config, o.weights]) {
    if (verified.has(verifiedId(o, x.key, x.sha256))) {
      log(`s3://${o.bucket}/${x.key}: verified by the upload step of this run`);
      continue;
    }
    const found = await check(o, x.key, x.sha256, exec, log);
    if (found.state === 'error') return found.message;
    if (found.state === 'missing') problems.push(`s3://${o.bucket}/${x.key} is missing`);
    if (found.state === 'differs') problems.push(`s3://${o.bucket}/${x.key} has sha256 ${found.actual}, not ${x.sha256}${x === o.weights ? ` (the weights at ${o.weights.source} are not the ones ${o.definitionPath} names)` : ''}`);
  }
  return problems.length ? problems.join('; ') : undefined;
}

/**
 * AWS CLI processes the upload and verification of a region's revisions run at once. Each check is a process of its
 * own (half a second to start, then a request): one after another, a rerun of 500 models in two regions took some
 * 20 minutes. Eight keep the CPU of a small CI runner busy without a burst of requests S3 would slow down.
 */
export const MODEL_CHECKS_AT_ONCE = 8;

/**
 * One region's upload-models or verify-models task: `each` for every revision, at most MODEL_CHECKS_AT_ONCE at a
 * time. Each model's lines go to the log together when it is done, its problem with them. No model starts after a
 * problem (a denied request or an expired token would repeat for every model; apply stops at a failed step
 * anyway) or a signal; those under way finish, and each problem is named with its model, one a line.
 */
export async function forEachRevision(
  objects: readonly ModelRevisionObjects[],
  each: (o: ModelRevisionObjects, exec: Exec, log: (line: string) => void, verified: VerifiedObjects) => Promise<string | undefined>,
  exec: Exec,
  log: (line: string) => void,
  verified: VerifiedObjects,
  interrupted: () => boolean = () => false,
): Promise<string | undefined> {
  let failed = false;
  const results = await mapAtMost(objects, MODEL_CHECKS_AT_ONCE, () => failed || interrupted(), async (o) => {
    const lines: string[] = [];
    const problem = await each(o, exec, (line) => lines.push(line), verified);
    log(`# ${o.model} (revision ${o.revision})`);
    for (const line of lines) log(line);
    if (problem !== undefined) {
      log(`FAILED: ${problem}`);
      failed = true;
    }
    return problem === undefined ? undefined : `${o.model}: ${problem}`;
  });
  const problems = results.filter((r): r is string => r !== undefined);
  if (problems.length) return problems.join('\n');
  return results.length < objects.length || interrupted() ? 'interrupted' : undefined;
}

/**
 * `fn` over the items in their order, at most `limit` at a time, none started once `stop()` is true or one has
 * thrown (that error is the result); the results of those that ran, in the items' order.
 */
export async function mapAtMost<T, R>(items: readonly T[], limit: number, stop: () => boolean, fn: (item: T) => Promise<R>): Promise<R[]> {
  if (!(limit >= 1)) throw new RangeError(`at most ${limit} at a time`);
  const results: { readonly at: number; readonly value: R }[] = [];
  let next = 0;
  let thrown = false;
  const worker = async () => {
    while (next < items.length && !thrown && !stop()) {
      const at = next++;
      try {
        results.push({ at, value: await fn(items[at]!) });
      } catch (error) {
        thrown = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results.sort((a, b) => a.at - b.at).map((r) => r.value);
}
