/**
 * The fake tools have two implementations: fake.mjs, the reference, and fake.sh, its fast path in bash (a call
 * costs a few milliseconds instead of a node start; an apply makes dozens). The ops tests mostly meet fake.sh,
 * and fake.mjs only for the calls it alone answers or under FAKE_SLOW / FAKE_OUTPUT_MB: both must answer the
 * same, record the same and keep the same state, or a test would check one fake's behaviour and rely on the other.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

const fakebin = join(repoRoot, 'test/fixtures/fakebin');

/** A folder with a terraform root that declares two certificates (one host twice), as the infra root does. */
function root(): string {
  const dir = mkdtempSync(join(tmpdir(), 'platformc-fakes-'));
  mkdirSync(join(dir, 'generated/terraform/prod/us-west-2/infra'), { recursive: true });
  writeFileSync(join(dir, 'generated/terraform/prod/us-west-2/infra/certificates.tf'), [
    'resource "aws_acm_certificate" "a" {', '  domain_name       = "vision.prod.ml.example.com"', '}',
    'resource "aws_acm_certificate" "b" {', '  domain_name = "api.prod.ml.example.com"', '}',
    'resource "aws_acm_certificate" "c" {', '  domain_name = "vision.prod.ml.example.com"', '}', '',
  ].join('\n'));
  writeFileSync(join(dir, 'config.pbtxt'), 'name: "resnet50"\n');
  return dir;
}

/** Runs a sequence of calls through one implementation; returns each answer, the call log and the S3 store. */
function session(impl: 'sh' | 'mjs', calls: readonly (readonly string[])[], env: Record<string, string> = {}) {
  const dir = root();
  const log = join(dir, 'calls.jsonl');
  const answers = calls.map(([tool, ...argv]) => {
    const [command, args] = impl === 'sh' ? ['bash', [join(fakebin, 'fake.sh'), tool!, ...argv]] : [process.execPath, [join(fakebin, 'fake.mjs'), tool!, ...argv]];
    const r = spawnSync(command, args, { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, FAKE_LOG: log, ...env } });
    return { call: [tool, ...argv].join(' '), status: r.status, stdout: r.stdout, stderr: r.stderr };
  });
  const store = join(dir, 'calls.jsonl.s3');
  const objects = readdirSync(dir).includes('calls.jsonl.s3') ? Object.fromEntries(readdirSync(store).map((f) => [f, readFileSync(join(store, f), 'utf8')])) : {};
  return { answers, log: readFileSync(log, 'utf8'), objects };
}

const bucket = ['--bucket', 'inference-prod-models-222222222222-use1'];
const head = (key: string) => ['aws', 's3api', 'head-object', ...bucket, '--key', key, '--checksum-mode', 'ENABLED', '--query', 'ChecksumSHA256', '--output', 'text', '--region', 'us-east-1'];
const S3_CALLS = [
  head('resnet50/0a1b/config.pbtxt'),
  // The checksum of config.pbtxt ('name: "resnet50"\n'), then a wrong one: S3's BadDigest.
  ['aws', 's3api', 'put-object', ...bucket, '--key', 'resnet50/0a1b/config.pbtxt', '--body', 'config.pbtxt', '--checksum-sha256', 'v7wT04sECo78CzUZjvKVtMYs0BUaTdraFKmXp129Tw8=', '--region', 'us-east-1'],
  ['aws', 's3api', 'put-object', ...bucket, '--key', 'resnet50/0a1b/other.pbtxt', '--body', 'config.pbtxt', '--checksum-sha256', 'AAAA', '--region', 'us-east-1'],
  head('resnet50/0a1b/config.pbtxt'),
  ['aws', 's3api', 'copy-object', '--copy-source', 'platformc-model-zoo/resnet50/resnet50-v1-12.onnx', ...bucket, '--key', 'resnet50/0a1b/resnet50/1/model.onnx', '--checksum-algorithm', 'SHA256', '--region', 'us-east-1'],
  head('resnet50/0a1b/resnet50/1/model.onnx'),
  head('resnet50/0a1b/other.pbtxt'),
];

const probe = (host: string, model: string) => ['curl', '--silent', '--show-error', '--output', '/dev/null', '--write-out', '%{http_code}', '--max-time', '10', '--connect-to', `${host}:443:k8s-vision-vision-prod-prod-us-east-1.elb.amazonaws.com:443`, `https://${host}/v2/models/${model}/ready`];
const checkip = ['curl', '--silent', '--show-error', '--max-time', '10', 'https://checkip.amazonaws.com'];
const CURL_CALLS = [probe('vision.prod.ml.example.com', 'resnet50'), probe('vision.prod.ml.example.com', 'mobilenet'), probe('vision.prod.ml.example.com', 'resnet50'), probe('vision.prod.ml.example.com', 'resnet50'), probe('vision.prod.ml.example.com', 'resnet50'), checkip];
const describeCertificate = ['aws', 'acm', 'describe-certificate', '--certificate-arn', 'arn:aws:acm:us-east-1:444400000003:certificate/0b7c6f1e-2d3a-4c5b-9e8f-1a2b3c4d5e6f', '--region', 'us-east-1'];

describe('fake.sh answers as fake.mjs does', () => {
  it.each([
    ['S3 objects and their checksums', S3_CALLS, {}],
    ['S3 objects copied from other bytes, with a multipart checksum', [S3_CALLS[4]!, S3_CALLS[5]!, S3_CALLS[1]!, S3_CALLS[3]!], { FAKE_S3_OBJECT: 'tampered weights\n', FAKE_S3_COMPOSITE: '1' }],
    ['terraform output of the certificates, per region and account', [['terraform', '-chdir=generated/terraform/prod/us-west-2/infra', 'output', '-json', 'certificate_arns'], ['terraform', '-chdir=generated/terraform/prod/us-east-1/infra', 'output', '-json', 'certificate_arns']], { FAKE_ACCOUNT: '444400000003' }],
    ['terraform output as a test sets it', [['terraform', '-chdir=generated/terraform/prod/us-west-2/infra', 'output', '-json', 'certificate_arns']], { FAKE_TF_OUTPUT: '{}' }],
    ['terraform output without an account', [['terraform', '-chdir=generated/terraform/prod/us-west-2/infra', 'output', '-json', 'certificate_arns']], {}],
    ['curl through an ALB and to checkip, with no rules', CURL_CALLS, {}],
    ['curl by the first matching rule, counted per rule: an ALB that provisions (exit 6, then 401)', CURL_CALLS, { FAKE_CURL: JSON.stringify([['/v2/models/resnet50/', 'exit 6', '401'], ['/v2/', '404']]), FAKE_CURL_AFTER: '2', FAKE_PUBLIC_IP: '203.0.113.9' }],
    ['curl: an untrusted certificate, and rules written with spaces', CURL_CALLS.slice(0, 3), { FAKE_CURL: ' [ ["resnet50", "exit 60"] , ["mobilenet","exit 28"] ] ', FAKE_CURL_AFTER: '1' }],
    ['curl: a rule this script cannot read goes to fake.mjs', CURL_CALLS.slice(0, 2), { FAKE_CURL: JSON.stringify([['resnet50 "quoted"', '500'], ['mobilenet', 'exit 7']]) }],
    ['ACM certificates by default', [describeCertificate], { FAKE_ACM: '{}' }],
    ['ACM certificates a test sets', [describeCertificate, describeCertificate.map((a) => a.replace('0b7c', 'ffff'))], { FAKE_ACM: JSON.stringify({ [describeCertificate[4]!]: 'missing' }) }],
    ['the Ingress address, and a failure on cue', [['kubectl', 'get', 'ingress', 'triton-resnet50', '--context', 'vision-prod-prod-us-east-1', '--namespace', 'vision', '--output', 'jsonpath={.status.loadBalancer.ingress[0].hostname}'], ['aws', 's3api', 'head-object', ...bucket, '--key', 'x']], { FAKE_FAIL: 'head-object' }],
  ] as const)('%s', (_name, calls, env) => {
    const sh = session('sh', calls, env);
    const mjs = session('mjs', calls, env);
    expect(sh).toEqual(mjs);
    // Not vacuous: the calls got answers, and the S3 ones stored objects.
    expect(sh.answers.some((a) => a.status === 0 && a.stdout)).toBe(true);
  });
});
