/**
 * The last check of apply with a DNS zone: each team host, in each region, through the path a client takes: its
 * name, TLS with verification against that name, the region's ALB and its listener rule, to Triton. curl connects
 * to the region's ALB (its DNS name from the Ingress status) while it sends the host's name for SNI and Host and
 * verifies the certificate against it: `--connect-to`, because the status holds a DNS name and `--resolve` takes
 * addresses only; per region, because the record of a failover pair answers with the primary alone.
 *
 * The ALB routes /v2/models/<model> only (anything else gets its 404 default action, /v2/health/ready included),
 * so each model's ready endpoint is what answers through it: 200, or 401 when Cognito guards the model (the ALB
 * denies unauthenticated API calls: auth-on-unauthenticated-request deny), which proves TLS and the listener rule
 * without a login. An ALB the runner cannot reach is skipped with a sentence: an internal one from outside its VPC,
 * one restricted to allowedCidrs from an address outside them.
 */
import { parseCidr, overlaps } from '../lib/cidr.js';
import { compareCodeUnits } from '../lib/order.js';
import type { DeploymentIR, RegionIR } from '../resolve/ir.js';

export interface EdgeCheck {
  readonly region: string;
  readonly context: string;
  readonly host: string;
  readonly scheme: 'internal' | 'internet-facing';
  /** An Ingress of the host's group: its status names the group's ALB. */
  readonly ingress: { readonly namespace: string; readonly name: string };
  readonly vpcCidr: string;
  /** Client CIDRs the ALB admits (empty: any). */
  readonly allowedCidrs: readonly string[];
  readonly models: readonly { readonly model: string; readonly expect: 200 | 401 }[];
}

/** One check per host the region serves. */
export function edgeChecks(r: RegionIR): EdgeCheck[] {
  const byHost = new Map<string, DeploymentIR[]>();
  for (const d of r.deployments) if (d.ingress.host) byHost.set(d.ingress.host, [...(byHost.get(d.ingress.host) ?? []), d]);
  return [...byHost.entries()].sort(([a], [b]) => compareCodeUnits(a, b)).map(([host, ds]) => ({
    region: r.region,
    context: r.names.kubeContext,
    host,
    scheme: ds[0]!.ingress.scheme,
    ingress: { namespace: ds[0]!.namespace, name: ds[0]!.workload },
    vpcCidr: r.network.vpcCidr,
    // The controller refuses a group whose Ingresses disagree on inbound-cidrs: one list per group.
    allowedCidrs: [...new Set(ds.flatMap((d) => d.ingress.allowedCidrs))].sort(),
    models: ds.map((d) => ({ model: d.model, expect: d.ingress.authentication === 'none' ? 200 : 401 })),
  }));
}

export const edgeCommands = {
  /** The DNS name of the group's ALB, from the Ingress status. */
  albAddress: (c: EdgeCheck) => ['kubectl', 'get', 'ingress', c.ingress.name, '--namespace', c.ingress.namespace, '--context', c.context, '--output', 'jsonpath={.status.loadBalancer.ingress[0].hostname}'],
  /** One request to a model's ready endpoint through the ALB; prints the HTTP status. TLS is verified (no --insecure). */
  probe: (host: string, alb: string, model: string) => ['curl', '--silent', '--show-error', '--output', '/dev/null', '--write-out', '%{http_code}', '--max-time', '10', '--connect-to', `${host}:443:${alb}:443`, `https://${host}/v2/models/${model}/ready`],
  /** The runner's public address, as AWS sees it (an ALB's security group admits by it). */
  publicAddress: ['curl', '--silent', '--show-error', '--max-time', '10', 'https://checkip.amazonaws.com'],
};

/** Whether an IPv4 address lies in a CIDR (false when either is malformed). */
export function inCidr(address: string, cidr: string): boolean {
  const a = parseCidr(`${address.trim()}/32`);
  const c = parseCidr(cidr);
  return a !== undefined && c !== undefined && overlaps(a, c);
}

/**
 * Why the runner cannot reach the host's ALB, as a sentence, or undefined when it can. `local` are the runner's own
 * IPv4 addresses, `publicAddress` what AWS sees (undefined when it could not be learned).
 */
export function edgeSkip(c: EdgeCheck, local: readonly string[], publicAddress: string | undefined): string | undefined {
  if (c.scheme === 'internal') {
    return local.some((a) => inCidr(a, c.vpcCidr))
      ? undefined
      : `${c.host} is an internal ALB and this machine (${local.join(', ') || 'no IPv4 address'}) is not in the VPC ${c.vpcCidr} of ${c.region}: run apply from inside it to check it`;
  }
  if (c.allowedCidrs.length === 0) return undefined;
  if (publicAddress === undefined) return `${c.host} admits only ${c.allowedCidrs.join(', ')} (allowedCidrs) and this machine's public address could not be learned`;
  return c.allowedCidrs.some((cidr) => inCidr(publicAddress, cidr)) ? undefined : `${c.host} admits only ${c.allowedCidrs.join(', ')} (allowedCidrs) and this machine's public address ${publicAddress} is outside them`;
}

/** What a failed probe means, in words: curl's exit codes that a user meets here. */
export function probeFailure(exitCode: number | undefined, stderr: string): string {
  const known: Record<number, string> = {
    6: 'the ALB name does not resolve yet',
    7: 'the ALB refused the connection',
    28: 'no answer within 10 s (the ALB is provisioning, or its security group does not admit this machine)',
    35: 'the TLS handshake failed',
    51: "the ALB's certificate does not match the host",
    60: "the ALB's certificate is not trusted for the host",
  };
  const line = stderr.trim().split('\n').at(-1) ?? '';
  if (exitCode === undefined) return `could not run curl${line ? ` (${line})` : ''}: install it on this machine`;
  return `${known[exitCode] ?? `curl exited with code ${exitCode}`}${line ? ` (${line})` : ''}`;
}
