/** IPv4 CIDR arithmetic for VPC and subnet planning. */

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

/** Subnet plan: the VPC split into 2 x azs equal subnets, public ones first. Undefined when they would be smaller than /24. */
export function planSubnets(vpc: Cidr, azs: number): { newbits: number; public: Cidr[]; private: Cidr[] } | undefined {
  const newbits = Math.ceil(Math.log2(2 * azs));
  if (vpc.prefix + newbits > MAX_SUBNET_PREFIX) return undefined;
  const all = Array.from({ length: 2 * azs }, (_, i) => subnet(vpc, newbits, i));
  return { newbits, public: all.slice(0, azs), private: all.slice(azs) };
}
