/**
 * The pure halves of apply's certificate and edge checks (compiler/ops/certificates.ts, edge.ts) on the IR of the
 * multi-region example, and the contract with the infra root: the output apply reads is the one Terraform writes.
 */
import { parseHcl as parse } from '../helpers/hcl.js';
import { describe, expect, it } from 'vitest';
import { emitCertificates } from '../../compiler/emit/terraform/certificates.js';
import { certificateArnValue, certificateCheck, certificateKustomization, certificatePatches, certificateProblems, nameCovers, readCertificateArns } from '../../compiler/ops/certificates.js';
import { edgeChecks, edgeSkip, inCidr } from '../../compiler/ops/edge.js';
import { irOf } from '../helpers/platform.js';

const ir = irOf('examples/multi-region-prod.yaml');
const prod = ir.environments.find((e) => e.name === 'prod')!;
const [east, west] = prod.regions;

describe('certificates the platform requests: by ARN from the infra root', () => {
  it('the infra root outputs certificate_arns, host -> the ARN of the issued (validated) certificate, for exactly the hosts apply patches', async () => {
    for (const r of [east!, west!]) {
      const [file] = emitCertificates(prod, r);
      const hcl = (await parse('certificates.tf', file!.content)) as { output: Record<string, [{ value: Record<string, string> }]> };
      const { hosts } = certificatePatches(prod, r);
      expect(hosts).toEqual(['vision.internal.prod.ml.example.com']);
      expect(hcl.output.certificate_arns![0].value).toEqual({ 'vision.internal.prod.ml.example.com': '${aws_acm_certificate_validation.vision_internal_prod_ml_example_com.certificate_arn}' });
    }
  });

  it('reads the output, and names the hosts it lacks', () => {
    const hosts = ['a.prod.example.com', 'b.prod.example.com'];
    expect(readCertificateArns('{"a.prod.example.com":"arn:aws:acm:us-east-1:1:certificate/a","b.prod.example.com":"arn:aws:acm:us-east-1:1:certificate/b"}', hosts, 'infra')).toEqual({ arns: { 'a.prod.example.com': 'arn:aws:acm:us-east-1:1:certificate/a', 'b.prod.example.com': 'arn:aws:acm:us-east-1:1:certificate/b' } });
    expect(readCertificateArns('{"a.prod.example.com":"arn:aws:acm:us-east-1:1:certificate/a"}', hosts, 'infra')).toEqual({ problem: 'the infra root infra has no issued ACM certificate for b.prod.example.com in its output certificate_arns' });
    expect(readCertificateArns('', hosts, 'infra')).toMatchObject({ problem: expect.stringContaining('a.prod.example.com, b.prod.example.com') });
    expect(readCertificateArns('Warning: No outputs found', hosts, 'infra')).toMatchObject({ problem: expect.stringContaining('is not JSON') });
  });

  it("gives every Ingress of a group the host's certificate first: the listener's default is the first ARN of the first Ingress", () => {
    const arns = { 'h.example.com': 'arn:host' };
    expect(certificateArnValue({ model: 'a', namespace: 'v', ingress: 'a', host: 'h.example.com', explicitArns: [] }, arns)).toBe('arn:host');
    expect(certificateArnValue({ model: 'b', namespace: 'v', ingress: 'b', host: 'h.example.com', explicitArns: ['arn:own'] }, arns)).toBe('arn:host,arn:own');
    const text = certificateKustomization('../../gen', [{ model: 'b', namespace: 'v', ingress: 'b', host: 'h.example.com', explicitArns: ['arn:own'] }], arns);
    expect(text).toContain('"path":"/metadata/annotations/alb.ingress.kubernetes.io~1certificate-arn","value":"arn:host,arn:own"');
    expect(text).toContain('resources:\n  - ../../gen\n');
  });
});

describe('certificates platform.yaml names: checked with ACM before Terraform', () => {
  it('a wildcard covers exactly one label; names ignore case', () => {
    expect(nameCovers('*.prod.example.com', 'vision.prod.example.com')).toBe(true);
    expect(nameCovers('*.prod.example.com', 'a.vision.prod.example.com')).toBe(false);
    expect(nameCovers('*.prod.example.com', 'prod.example.com')).toBe(false);
    expect(nameCovers('*.example.com', 'vision.prod.example.com')).toBe(false);
    expect(nameCovers('Vision.Prod.Example.com', 'vision.prod.example.com')).toBe(true);
    expect(nameCovers('vision.prod.example.com', 'other.prod.example.com')).toBe(false);
  });

  it("checks each region's ARNs, and the host of a group only its ARNs serve", () => {
    const check = certificateCheck(prod, east!)!;
    expect(check).toEqual({
      region: 'us-east-1',
      certificates: [{ arn: 'arn:aws:acm:us-east-1:444400000003:certificate/0b7c6f1e-2d3a-4c5b-9e8f-1a2b3c4d5e6f', models: ['resnet50'] }],
      hosts: [{ host: 'vision.prod.ml.example.com', arns: ['arn:aws:acm:us-east-1:444400000003:certificate/0b7c6f1e-2d3a-4c5b-9e8f-1a2b3c4d5e6f'] }],
    });
    const arn = check.certificates[0]!.arn;
    const ok = new Map([[arn, { Status: 'ISSUED', DomainName: 'prod.ml.example.com', SubjectAlternativeNames: ['prod.ml.example.com', '*.prod.ml.example.com'] }]]);
    expect(certificateProblems(check, ok)).toEqual([]);
    expect(certificateProblems(check, new Map([[arn, { Status: 'EXPIRED', DomainName: '*.prod.ml.example.com' }]]))).toEqual([`${arn} (ingress.certificateArns of resnet50) is EXPIRED in ACM, not ISSUED: an ALB listener only takes an issued certificate`]);
    expect(certificateProblems(check, new Map([[arn, { Status: 'ISSUED', DomainName: 'api.example.com' }]]))[0]).toContain('no certificate of vision.prod.ml.example.com in us-east-1 covers it');
    // Without a DNS zone there is no host to cover: only the status counts.
    const noHost = { ...check, hosts: [] };
    expect(certificateProblems(noHost, new Map([[arn, { Status: 'ISSUED', DomainName: 'api.example.com' }]]))).toEqual([]);
  });
});

describe('the checks through the ALBs', () => {
  it('one per host and region; Cognito-guarded models expect 401', () => {
    expect(edgeChecks(west!).map((c) => [c.host, c.scheme, c.ingress.name, c.models])).toEqual([
      ['vision.internal.prod.ml.example.com', 'internal', 'triton-mobilenet', [{ model: 'mobilenet', expect: 200 }]],
      ['vision.prod.ml.example.com', 'internet-facing', 'triton-resnet50', [{ model: 'resnet50', expect: 401 }]],
    ]);
  });

  it('skips an internal ALB from outside its VPC and an allowedCidrs one from outside them, and not otherwise', () => {
    const [internal, pub] = edgeChecks(east!);
    expect(edgeSkip(internal!, ['10.10.7.9'], undefined)).toBeUndefined();
    expect(edgeSkip(internal!, ['192.0.2.2'], undefined)).toBe('vision.internal.prod.ml.example.com is an internal ALB and this machine (192.0.2.2) is not in the VPC 10.10.0.0/16 of us-east-1: run apply from inside it to check it');
    expect(edgeSkip(pub!, ['192.0.2.2'], undefined)).toBeUndefined();
    const restricted = { ...pub!, allowedCidrs: ['203.0.113.0/24'] };
    expect(edgeSkip(restricted, [], '203.0.113.200')).toBeUndefined();
    expect(edgeSkip(restricted, [], '198.51.100.7')).toContain('public address 198.51.100.7 is outside them');
    expect(edgeSkip(restricted, [], undefined)).toContain('could not be learned');
    expect([inCidr('10.10.255.255', '10.10.0.0/16'), inCidr('10.11.0.0', '10.10.0.0/16'), inCidr('1.2.3.4', '0.0.0.0/0'), inCidr('nonsense', '10.0.0.0/8')]).toEqual([true, false, true, false]);
  });
});
