/**
 * Every diagnostic code platformc can report, with its severity and what it means.
 * Codes are stable: tools and CI scripts match on them. docs/diagnostics.md is generated from this table.
 */
export const codes = {
  // reading the file
  'file-unreadable': { severity: 'error', doc: 'The file does not exist, is a directory, or cannot be read.' },
  'file-too-large': { severity: 'error', doc: 'The file is larger than platformc accepts (4 MiB); platform.yaml is a few kilobytes.' },
  'file-encoding': { severity: 'error', doc: 'The file is not UTF-8 text (binary content, or another encoding).' },
  'file-empty': { severity: 'error', doc: 'The file holds no YAML document.' },
  // YAML
  'yaml-syntax': { severity: 'error', doc: 'The YAML does not parse (indentation, tabs, unclosed quotes or brackets, ...).' },
  'yaml-duplicate-key': { severity: 'error', doc: 'A mapping has the same key twice; YAML would silently keep only one.' },
  'yaml-alias-limit': { severity: 'error', doc: 'Aliases expand to too many nodes (a "billion laughs" document).' },
  'yaml-multiple-documents': { severity: 'error', doc: 'The file holds more than one YAML document; platform.yaml is one.' },
  // structure (from the zod schema)
  'unknown-key': { severity: 'error', doc: 'A key the schema does not define (often a typo: see the hint).' },
  'missing-field': { severity: 'error', doc: 'A required field is absent.' },
  'invalid-type': { severity: 'error', doc: 'A value has the wrong type (a list where a map belongs, a string where a number belongs, ...).' },
  'invalid-value': { severity: 'error', doc: 'A value is not one of the allowed values (an enum or a fixed value).' },
  'invalid-format': { severity: 'error', doc: 'A string does not have the required form (a name, an ARN, an e-mail, a duration, ...).' },
  'out-of-range': { severity: 'error', doc: 'A number or list is too small or too large.' },
  'invalid-name': { severity: 'error', doc: 'A map key used as a name is not a valid DNS-1123 label, or is not a known region.' },
  // meaning (semantic checks)
  'unknown-reference': { severity: 'error', doc: 'A reference to a node pool, team, model, region or environment that does not exist.' },
  'unknown-instance-type': { severity: 'error', doc: 'An EC2 instance type that is not in the catalog (specs/instances.json).' },
  'instance-not-in-region': { severity: 'error', doc: 'An instance type that is not offered (has no price) in a region the pool runs in.' },
  'gpu-pool-without-gpu': { severity: 'error', doc: 'A gpu pool lists an instance type without NVIDIA GPUs.' },
  'general-pool-with-gpu': { severity: 'warning', doc: 'A general pool lists a GPU instance type: expensive capacity that serves no model.' },
  'pool-role': { severity: 'error', doc: 'A model runs on a pool that is not a gpu pool, or the platform lacks a general or a gpu pool.' },
  'model-does-not-fit': { severity: 'error', doc: "A model needs more GPU memory than its pool's GPUs have (with 10% headroom)." },
  'gpu-capacity': { severity: 'error', doc: "The models' maximum replicas need more GPUs than their pool can have at maximum size, or a replica needs more GPUs than a node has." },
  'team-quota': { severity: 'warning', doc: "A team's models at maximum scale request more GPUs than the team's quota allows." },
  'invalid-cidr': { severity: 'error', doc: 'A CIDR block is not a valid IPv4 network address with a prefix length.' },
  'subnets-do-not-fit': { severity: 'error', doc: 'The VPC CIDR is too small for one public and one private subnet per AZ.' },
  'cidr-overlap': { severity: 'error', doc: 'Two regions of an environment have overlapping VPC CIDRs (they could never be peered).' },
  'size-order': { severity: 'error', doc: 'Sizes out of order: node pools need minSize <= desiredSize <= maxSize, replicas min <= max.' },
  'too-many-azs': { severity: 'error', doc: 'More availability zones were asked for than the region has.' },
  'batch-size': { severity: 'error', doc: "A batch size exceeds the model's maximum batch size." },
  'environments': { severity: 'error', doc: 'The platform declares no environment.' },
  'standby-region': { severity: 'error', doc: 'A standby region equal to the primary region, or without network settings.' },
  'public-endpoint': { severity: 'error', doc: 'A public API endpoint without allowed CIDRs.' },
  'open-endpoint': { severity: 'warning', doc: 'A public API endpoint open to the whole internet (0.0.0.0/0).' },
  'session-duration': { severity: 'error', doc: 'An operator session longer than 12 hours or shorter than 1 hour (the IAM limits).' },
  'mfa-disabled': { severity: 'warning', doc: 'An operator role that does not require MFA.' },
  'slo-range': { severity: 'error', doc: 'An SLO that cannot be measured: latency below 1 ms or an SLO period shorter than 1 day.' },
  'plaintext-secret': { severity: 'error', doc: 'A secret value written in the file (password, token, access key, private key). Reference a Secrets Manager secret by name instead.' },
  'model-definition': { severity: 'error', doc: 'A model definition file under models/ is missing or invalid.' },
  'no-instance-fits': { severity: 'error', doc: "A GPU pool with `instanceTypes: auto` for which no catalog instance type in the region holds the models and meets their throughput." },
  'no-throughput-data': { severity: 'warning', doc: "A model definition has no throughput figure for its pool's GPU, so its capacity cannot be checked." },
  'slo-capacity': { severity: 'error', doc: "A model's replicas.max cannot serve its target requests per second at its GPU's throughput." },
  'over-budget': { severity: 'error', doc: "An environment's estimated monthly cost at maximum scale exceeds its budget (a warning when budget.enforcement is warning)." },
  'budget-notifications': { severity: 'error', doc: 'More budget alert thresholds than AWS Budgets allows: each makes a forecasted and an actual notification, at most 10 per budget.' },
  'budget-subscribers': { severity: 'error', doc: 'More budget e-mail addresses than AWS Budgets allows (10 per notification).' },
  'single-nat-prod': { severity: 'warning', doc: 'A production environment (named prod...) with one NAT gateway: an outage of its AZ stops all egress of the region.' },
  'working-hours-drift': { severity: 'warning', doc: "Working hours scale EKS managed node groups' Auto Scaling groups directly, which drifts from the node groups' EKS sizes (terraform-aws-eks #3504)." },
  'reserved-name': { severity: 'error', doc: 'A team name that collides with a namespace platformc creates for itself.' },
} as const satisfies Record<string, { severity: 'error' | 'warning'; doc: string }>;

export type DiagnosticCode = keyof typeof codes;
