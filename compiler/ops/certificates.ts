/**
 * The ALB certificates at apply time, as pure functions over the IR and the tools' output (run.ts runs the tools).
 *
 * Certificates the platform requests (a DNS zone, no ARN in platform.yaml): the infra root outputs their ARNs
 * (`certificate_arns`, host -> ARN) once they are issued, and for each kustomization of models with an Ingress of
 * such a host, apply writes one next to its logs (.platformc/apply/<env>/<region>/<group>) that is the generated
 * kustomization plus alb.ingress.kubernetes.io/certificate-arn on those Ingresses, then applies that. generated/
 * stays what platform.yaml says (an ARN exists only after the infra root is applied), and a rerun writes and
 * applies the same thing. The controller is not left to discover the certificate by the host
 * under spec.tls: it would attach every ISSUED certificate of the account that matches the host (a wildcard of
 * someone else's, or the old certificate during a create_before_destroy replacement) and make the first ARN in
 * sort order the listener's default.
 * @see https://github.com/kubernetes-sigs/aws-load-balancer-controller/blob/v3.5.0/pkg/certs/cert_discovery.go (Discover)
 *
 * The ALB merges the certificate-arn annotations of an IngressGroup: the listener's default certificate is the
 * first ARN of the first Ingress (group order, then namespace/name) that has one, the others are added for SNI
 * (pkg/ingress/model_builder.go mergeListenPortConfigs). Every Ingress of the host's group is given the host's
 * certificate first (followed by its own ARNs from platform.yaml), so the default is the host's certificate
 * whichever Ingress sorts first, and adding or removing a model never changes it.
 *
 * Certificates named in platform.yaml: validation checks the ARN's region and account; apply checks with ACM that
 * each is ISSUED and that the host of its group (with a DNS zone) is covered, before Terraform runs.
 */
import { stringify } from 'yaml';
import { CERTIFICATE_ANNOTATION, CERTIFICATE_ARNS_OUTPUT } from '../lib/conventions.js';
import { compareCodeUnits } from '../lib/order.js';
import { getOrInsert } from '../lib/collections.js';
import type { EnvironmentIR, RegionIR } from '../resolve/ir.js';

/** An Ingress that gets its host's certificate by ARN at apply time, after the ARNs platform.yaml gives it. */
export interface CertificatePatch {
  readonly model: string;
  readonly namespace: string;
  readonly ingress: string;
  readonly host: string;
  readonly explicitArns: readonly string[];
}

/** The hosts whose certificate the platform requests in this region, and every Ingress of their groups. */
export function certificatePatches(env: EnvironmentIR, r: RegionIR): { readonly hosts: readonly string[]; readonly patches: readonly CertificatePatch[] } {
  const hosts = (env.dns?.hosts ?? []).filter((h) => h.managedCertificateRegions.includes(r.region)).map((h) => h.name);
  const patches = r.deployments
    .filter((d) => d.ingress.host !== undefined && hosts.includes(d.ingress.host))
    .map((d) => ({ model: d.model, namespace: d.namespace, ingress: d.workload, host: d.ingress.host!, explicitArns: d.ingress.certificateArns }));
  return { hosts, patches };
}

/** `terraform output -json certificate_arns` of the region's infra root. */
export const certificateOutputCommand = (infraDir: string) => ['terraform', `-chdir=${infraDir}`, 'output', '-json', CERTIFICATE_ARNS_OUTPUT];

/** The ARN of every host from the output, or why there is none (the root not applied, or applied from an older generated/). */
export function readCertificateArns(stdout: string, hosts: readonly string[], where: string): { readonly arns: Readonly<Record<string, string>> } | { readonly problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(stdout.trim() || 'null');
  } catch {
    return { problem: `terraform output ${CERTIFICATE_ARNS_OUTPUT} of ${where} is not JSON: ${stdout.trim().slice(0, 200)}` };
  }
  const map = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const missing = hosts.filter((h) => typeof map[h] !== 'string' || !/^arn:aws[\w-]*:acm:/.test(map[h] as string));
  if (missing.length) {
    return { problem: `the infra root ${where} has no issued ACM certificate for ${missing.join(', ')} in its output ${CERTIFICATE_ARNS_OUTPUT}` };
  }
  return { arns: Object.fromEntries(hosts.map((h) => [h, map[h] as string])) };
}

/** The certificate-arn of one Ingress: its host's certificate first (the listener's default), then its own. */
export const certificateArnValue = (p: CertificatePatch, arns: Readonly<Record<string, string>>) => [arns[p.host]!, ...p.explicitArns.filter((a) => a !== arns[p.host])].join(',');

/**
 * kustomization.yaml of a directory apply writes: a generated kustomization (`source`, relative to that directory)
 * with the annotation on each of its Ingresses. A JSON patch "add" sets the annotation whether or not the Ingress has one.
 */
export function certificateKustomization(source: string, patches: readonly CertificatePatch[], arns: Readonly<Record<string, string>>): string {
  const body = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [source],
    ...(patches.length
      ? {
          patches: patches.map((p) => ({
            target: { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', namespace: p.namespace, name: p.ingress },
            patch: JSON.stringify([{ op: 'add', path: `/metadata/annotations/${CERTIFICATE_ANNOTATION.replace('/', '~1')}`, value: certificateArnValue(p, arns) }]),
          })),
        }
      : {}),
  };
  return `# Written by platformc apply: ${source} with the ACM certificate ARNs Terraform issued for the team hosts.\n# Rewritten on every run; not to be edited or committed.\n${stringify(body, { lineWidth: 0 })}`;
}

/** What ACM says of a certificate (aws acm describe-certificate, the fields platformc reads). */
export interface AcmCertificate {
  readonly Status?: string;
  readonly DomainName?: string;
  readonly SubjectAlternativeNames?: readonly string[] | null;
}

/** `aws acm describe-certificate` of one ARN, in the ARN's region, as JSON. */
export const describeCertificateCommand = (arn: string) => [
  'aws', 'acm', 'describe-certificate', '--certificate-arn', arn, '--region', arn.split(':')[3] ?? '',
  '--query', 'Certificate.{Status: Status, DomainName: DomainName, SubjectAlternativeNames: SubjectAlternativeNames}', '--output', 'json',
];

/**
 * Whether a certificate name covers a host as a TLS client checks it: equal (DNS names ignore case), or a wildcard
 * `*.rest` for exactly one more label (`*.prod.example.com` covers vision.prod.example.com, not a.vision.prod.example.com).
 */
export function nameCovers(name: string, host: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!n.startsWith('*.')) return n === h;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === n.slice(2);
}

/** The names a certificate is valid for: its domain and its subject alternative names. */
export const certificateNames = (c: AcmCertificate) => [...new Set([...(c.DomainName ? [c.DomainName] : []), ...(c.SubjectAlternativeNames ?? [])])];

/** A certificate check of one region: each ARN from platform.yaml, and the hosts only those ARNs serve. */
export interface CertificateCheck {
  readonly region: string;
  readonly certificates: readonly { readonly arn: string; readonly models: readonly string[] }[];
  /** Hosts (of groups without a platform certificate in this region) that one of `arns` must cover. */
  readonly hosts: readonly { readonly host: string; readonly arns: readonly string[] }[];
}

/** What to check in a region: nothing when platform.yaml names no certificate there. */
export function certificateCheck(env: EnvironmentIR, r: RegionIR): CertificateCheck | undefined {
  const byArn = new Map<string, string[]>();
  for (const d of r.deployments) for (const arn of d.ingress.certificateArns) byArn.set(arn, [...(byArn.get(arn) ?? []), d.model]);
  if (byArn.size === 0) return undefined;
  const managed = new Set(certificatePatches(env, r).hosts);
  const hosts = new Map<string, Set<string>>();
  for (const d of r.deployments) {
    const host = d.ingress.host;
    if (!host || managed.has(host) || d.ingress.certificateArns.length === 0) continue;
    const arns = getOrInsert(hosts, host, () => new Set<string>());
    for (const arn of d.ingress.certificateArns) arns.add(arn);
  }
  return {
    region: r.region,
    certificates: [...byArn.entries()].sort(([a], [b]) => compareCodeUnits(a, b)).map(([arn, models]) => ({ arn, models })),
    hosts: [...hosts.entries()].sort(([a], [b]) => compareCodeUnits(a, b)).map(([host, arns]) => ({ host, arns: [...arns].sort() })),
  };
}

/** Why the certificates of a region would not serve, one sentence each; empty when they do. */
export function certificateProblems(check: CertificateCheck, found: ReadonlyMap<string, AcmCertificate>): string[] {
  const problems: string[] = [];
  for (const c of check.certificates) {
    const cert = found.get(c.arn);
    if (!cert) continue; // described by the caller (the lookup failed)
    if (cert.Status !== 'ISSUED') problems.push(`${c.arn} (ingress.certificateArns of ${c.models.join(', ')}) is ${cert.Status ?? 'of unknown status'} in ACM, not ISSUED: an ALB listener only takes an issued certificate`);
  }
  for (const h of check.hosts) {
    const covering = h.arns.filter((arn) => certificateNames(found.get(arn) ?? {}).some((n) => nameCovers(n, h.host)));
    if (covering.length === 0) {
      const names = h.arns.map((arn) => `${arn} is for ${certificateNames(found.get(arn) ?? {}).join(', ') || 'no name'}`).join('; ');
      problems.push(`no certificate of ${h.host} in ${check.region} covers it, so clients would fail TLS verification (${names}; a wildcard covers one label only)`);
    }
  }
  return problems;
}
