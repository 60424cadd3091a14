/** IPv4 CIDR arithmetic: VPC and subnet planning (front, resolve), whether an address is in a range (ops). */

export interface Cidr { readonly base: number; readonly prefix: number }

/** Parses a.b.c.d/n; undefined when it is not a network address (host bits set) or malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  if (((base & ~mask(prefix)) >>> 0) !== 0) return undefined;
  return { base, prefix };
}

const mask = (prefix: number) => (prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0);

export function formatCidr(c: Cidr): string {
  return `${[24, 16, 8, 0].map((s) => (c.base >>> s) & 255).join('.')}/${c.prefix}`;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return ((a.base & mask(p)) >>> 0) === ((b.base & mask(p)) >>> 0);
}

/** Address space that never appears as a source on the internet: RFC 1918 and shared (carrier-grade NAT) space. */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].map((r) => parseCidr(r)!);

/** Whether a network lies inside private address space (a public endpoint never sees it as a source). */
export const isPrivate = (c: Cidr) => PRIVATE_RANGES.some((r) => r.prefix <= c.prefix && overlaps(r, c));

/** Same as Terraform's cidrsubnet(prefix, newbits, netnum). */
export function subnet(c: Cidr, newbits: number, netnum: number): Cidr {
  const prefix = c.prefix + newbits;
  return { base: (c.base + netnum * 2 ** (32 - prefix)) >>> 0, prefix };
}

/** Smallest private subnet platformc accepts: pods take VPC addresses (VPC CNI), so /24 per AZ is the floor. */
export const MAX_SUBNET_PREFIX = 24;

/**
 * Smallest subnet a load balancer may sit in: "each subnet for your load balancer has a CIDR block with at least a
 * /27 bitmask ... and has at least 8 free IP addresses" (ELB, Application Load Balancers, Subnets for your load
 * balancer); the AWS Load Balancer Controller skips subnets with fewer than 8 free addresses when it discovers them.
 * @see https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#subnets-load-balancer
 * @see https://github.com/kubernetes-sigs/aws-load-balancer-controller/blob/main/docs/deploy/subnet_discovery.md
 */
export const MAX_LOAD_BALANCER_SUBNET_PREFIX = 27;

/** A VPC's subnets, one of each kind per availability zone (index i: the i-th zone). */
export interface SubnetPlan {
  readonly newbits: number;
  /** NAT gateways and internet-facing ALBs: nothing else runs there (nodes, pods, endpoints are private). */
  readonly public: Cidr[];
  /** Internal ALBs only: no node or pod ever has an address here, so a NetworkPolicy may admit these CIDRs. */
  readonly internalLoadBalancer: Cidr[];
  /** Nodes, their pods (the VPC CNI gives pods addresses of the node's subnet), the control plane's and endpoints' interfaces. */
  readonly private: Cidr[];
}

/** Bits that split a VPC into its per-AZ slots: 2 x azs of them, rounded up to a power of two. */
const slotBits = (azs: number) => Math.ceil(Math.log2(2 * azs));

/** The longest VPC prefix (smallest VPC) whose plan fits azs zones: private /24 or larger, load balancers /27 or larger. */
export const maxVpcPrefix = (azs: number) => Math.min(MAX_SUBNET_PREFIX, MAX_LOAD_BALANCER_SUBNET_PREFIX - 1) - slotBits(azs);

/**
 * Subnet plan: the VPC split into 2 x azs equal slots (rounded up to a power of two); the first azs slots each hold
 * the zone's public subnet (first half) and internal load-balancer subnet (second half), the next azs slots are the
 * private subnets. Private subnets are exactly where they were before load balancers got subnets of their own, so
 * adding them replaces no node subnet. Undefined when a private subnet would be smaller than /24 (the load-balancer
 * and public subnets are then /25 or larger, above the ALB's /27 floor).
 */
export function planSubnets(vpc: Cidr, azs: number): SubnetPlan | undefined {
  const newbits = slotBits(azs);
  if (vpc.prefix > maxVpcPrefix(azs)) return undefined;
  const slot = (i: number) => subnet(vpc, newbits, i);
  const zones = Array.from({ length: azs }, (_, i) => i);
  return {
    newbits,
    public: zones.map((i) => subnet(slot(i), 1, 0)),
    internalLoadBalancer: zones.map((i) => subnet(slot(i), 1, 1)),
    private: zones.map((i) => slot(azs + i)),
  };
}
