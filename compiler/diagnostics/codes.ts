/**
 * Every diagnostic platformc can report, in the style of the TypeScript compiler's diagnosticMessages.json:
 * a stable code, its severity, its message template and what it means. Messages are built from the template
 * only (`{name}` placeholders, filled by `diagnostic()`), so the text of every problem lives here. Codes are
 * stable: tools and CI scripts match on them. Each code means one check; the platform.yaml reference
 * (schema/README.md) lists them from this table.
 */
export const codes = {
  // reading the file
  'file-unreadable': { severity: 'error', message: '{file} {problem}', doc: 'The file does not exist, is a directory, or cannot be read.' },
  'file-too-large': { severity: 'error', message: '{file} is {bytes} bytes; platformc reads at most {max}', doc: 'The file is larger than platformc accepts (4 MiB); platform.yaml is a few kilobytes.' },
  'file-encoding': { severity: 'error', message: '{file} {problem}', doc: 'The file is not UTF-8 text (binary content, or another encoding).' },
  'file-empty': { severity: 'error', message: '{file} is empty', doc: 'The file holds no YAML document.' },
  // YAML
  'yaml-syntax': { severity: 'error', message: '{detail}', doc: 'The YAML does not parse (indentation, tabs, unclosed quotes or brackets, ...).' },
  'yaml-duplicate-key': { severity: 'error', message: "duplicate key '{key}': this mapping already has it", doc: 'A mapping has the same key twice; YAML would silently keep only one.' },
  'yaml-alias-limit': { severity: 'error', message: 'aliases expand to too many nodes ({detail})', doc: 'Aliases expand to too many nodes (a "billion laughs" document).' },
  'yaml-multiple-documents': { severity: 'error', message: '{file} holds {count} YAML documents; expected one', doc: 'The file holds more than one YAML document; platform.yaml is one.' },
  // structure (from the zod schema)
  'unknown-key': { severity: 'error', message: "unknown key '{key}'{where}", doc: 'A key the schema does not define (often a typo: see the hint).' },
  'missing-field': { severity: 'error', message: "missing required field '{field}'{where}", doc: 'A required field is absent.' },
  'invalid-type': { severity: 'error', message: '{where}: expected {expected}, got {actual}', doc: 'A value has the wrong type (a list where a map belongs, a string where a number belongs, ...).' },
  'invalid-value': { severity: 'error', message: "{where}: '{value}' is not allowed; expected {expected}", doc: 'A value is not one of the allowed values (an enum or a fixed value).' },
  'invalid-format': { severity: 'error', message: '{where}: {detail}', doc: 'A string does not have the required form (a name, an ARN, an e-mail, a duration, ...).' },
  'out-of-range': { severity: 'error', message: '{where}: {requirement}{actual}', doc: 'A number or list is too small or too large.' },
  'invalid-name': { severity: 'error', message: "{map}: '{key}' {reason}", doc: 'A map key used as a name is not a valid DNS-1123 label, or is not a known region.' },
  // meaning (semantic checks)
  'unknown-reference': { severity: 'error', message: "no {kind} named '{name}'", doc: 'A reference to a node pool, team or model that does not exist.' },
  'unknown-instance-type': { severity: 'error', message: "unknown instance type '{type}'", doc: 'An EC2 instance type that is not in the catalog (specs/instances.json).' },
  'instance-not-in-region': { severity: 'error', message: '{type} is not offered in {region}', doc: 'An instance type that is not offered (has no price) in a region the pool runs in.' },
  'gpu-pool-without-gpu': { severity: 'error', message: '{type} has no NVIDIA GPU{has}', doc: 'A gpu pool lists an instance type without NVIDIA GPUs.' },
  'general-pool-with-gpu': { severity: 'warning', message: '{type} is a GPU instance in a general pool', doc: 'A general pool lists a GPU instance type: expensive capacity that serves no model.' },
  'pool-role': { severity: 'error', message: "model '{model}' runs on '{pool}', which is a {role} pool", doc: 'A model runs on a pool that is not a gpu pool.' },
  'missing-pool-role': { severity: 'error', message: 'no {role} node pool: a platform has a general pool for system workloads and at least one gpu pool', doc: 'The platform lacks a general pool (system workloads) or a gpu pool (models).' },
  'auto-on-general-pool': { severity: 'error', message: "'auto' picks GPU instance types; a general pool lists its types", doc: "`instanceTypes: auto` on a general pool: auto picks GPU instance types; a general pool lists its types." },
  'model-does-not-fit': { severity: 'error', message: "'{model}' needs {needGiB} GiB of GPU memory; {type} offers {usableGiB} GiB usable ({count} x {gpu}, {memoryGiB} GiB, {headroom}% headroom)", doc: "A model needs more GPU memory than its pool's GPUs have (with 10% headroom)." },
  'gpu-capacity': { severity: 'error', message: "models on '{pool}' need up to {needed} GPUs at maximum replicas; {maxSize} nodes x {perNode} GPUs give {capacity}", doc: "The models' maximum replicas need more GPUs than their pool can have at maximum size." },
  'replica-too-large': { severity: 'error', message: "a replica of '{model}' needs {gpus} GPUs; {type} has {count}", doc: 'A replica needs more GPUs (gpusPerReplica) than a node of its pool has.' },
  'team-quota': { severity: 'warning', message: "team '{team}' has a quota of {quota} GPUs but its models need up to {needed} at maximum replicas", doc: "A team's models at maximum scale request more GPUs than the team's quota allows." },
  'invalid-cidr': { severity: 'error', message: "'{cidr}' is not a valid IPv4 network (a.b.c.d/n with no host bits set)", doc: 'A CIDR block that is not a valid IPv4 network address with a prefix length (or has host bits set).' },
  'vpc-prefix': { severity: 'error', message: 'a VPC CIDR has a prefix between /16 and /28 (AWS limits), got /{prefix}', doc: 'A VPC CIDR whose prefix is outside /16 to /28, the sizes AWS allows.' },
  'subnets-do-not-fit': { severity: 'error', message: '{cidr} cannot hold {count} subnets of at least /{prefix} (a public and a private one per AZ)', doc: 'The VPC CIDR is too small for one public and one private subnet per AZ.' },
  'cidr-overlap': { severity: 'error', message: '{cidr} in {region} overlaps {other} in {otherRegion}', doc: 'Two regions of an environment have overlapping VPC CIDRs (they could never be peered).' },
  'size-order': { severity: 'error', message: '{pool} needs minSize <= desiredSize <= maxSize, got {min} <= {desired} <= {max}', doc: 'Node pool sizes out of order: minSize <= desiredSize <= maxSize (also in the standby region).' },
  'replica-order': { severity: 'error', message: "model '{model}' needs replicas.min <= replicas.max, got {min} > {max}", doc: "A model's replicas.min is above its replicas.max." },
  'too-many-azs': { severity: 'error', message: '{region} has {available} availability zones in the catalog, {asked} were asked for', doc: 'More availability zones were asked for than the region has.' },
  'batch-size': { severity: 'error', message: '{which} {size} exceeds {limit}', doc: "A batch size exceeds the model's maximum batch size." },
  'environments': { severity: 'error', message: 'no environment: declare at least one (usually dev and prod)', doc: 'The platform declares no environment.' },
  'region-without-network': { severity: 'error', message: "{role} '{region}' has no network settings under regions", doc: "An environment's primary or standby region that has no network settings under `regions`." },
  'standby-region': { severity: 'error', message: "standby region is the primary region '{region}'", doc: 'A standby region equal to the primary region.' },
  'override-outside-environment': { severity: 'error', message: "environment '{env}' does not run in {region}", doc: "An environment overrides the network of a region it does not run in." },
  'public-endpoint': { severity: 'error', message: 'a public API endpoint needs publicAccessCidrs', doc: 'A public API endpoint without allowed CIDRs.' },
  'open-endpoint': { severity: 'warning', message: 'the API server endpoint is open to the whole internet', doc: 'A public API endpoint open to the whole internet (0.0.0.0/0).' },
  'session-duration': { severity: 'error', message: 'maxSessionDuration is {value}; IAM allows 1h to 12h', doc: 'An operator session longer than 12 hours or shorter than 1 hour (the IAM limits).' },
  'mfa-disabled': { severity: 'warning', message: "operator role '{name}' can be assumed without MFA", doc: 'An operator role that does not require MFA.' },
  'slo-range': { severity: 'error', message: 'a p99 latency objective of {ms} ms cannot be measured', doc: 'A p99 latency objective below 1 ms, which Triton cannot resolve.' },
  'slo-period': { severity: 'error', message: 'an SLO period of {period} is not supported: the burn-rate windows and factors are those of a 30-day period', doc: 'An SLO period other than 30d: multi-window burn-rate alerts are defined for 30 days (as in Sloth), and other periods would alert inside the budget.' },
  'slo-retention': { severity: 'error', message: "model '{model}' has a {period} SLO period but Prometheus keeps only {retention}", doc: 'Prometheus retention shorter than an SLO period: the error budget would cover only the retained part of the period.' },
  'ingress-tls': { severity: 'error', message: "model '{model}' is internet-facing but has no ACM certificate in {region} of account {account}", doc: 'An internet-facing model without an ACM certificate in a region it runs in: public endpoints are HTTPS only.' },
  'ingress-auth': { severity: 'error', message: "model '{model}' is internet-facing but says nothing about authentication", doc: "An internet-facing model without ingress.authentication: say 'none' explicitly, or name a Cognito user pool."},
  'plaintext-secret': { severity: 'error', message: '{what} is written in the file; secrets never go into platform.yaml', doc: 'A secret value written in the file (password, token, access key, private key). Reference a Secrets Manager secret by name instead.' },
  'model-definition': { severity: 'error', message: 'model definition {path} {problem}', doc: 'A model definition file under models/ is missing or invalid.' },
  'no-instance-fits': { severity: 'error', message: "no GPU instance type offered in {region} can hold and serve the models of pool '{pool}'", doc: "A GPU pool with `instanceTypes: auto` for which no catalog instance type in the region holds the models and meets their throughput." },
  'no-throughput-data': { severity: 'warning', message: '{definition} has no throughput figure for {gpu} ({type}), so the capacity for {rps} requests/s cannot be checked', doc: "A model definition has no throughput figure for its pool's GPU, so its capacity cannot be checked." },
  'slo-capacity': { severity: 'error', message: "'{model}' needs {needed} replicas on {type} to serve {rps} requests/s ({perGpu}/s per {gpu} x {derate} derate), but replicas.max is {max}", doc: "A model's replicas.max cannot serve its target requests per second at its GPU's throughput." },
  'over-budget': { severity: 'error', message: '{env} costs up to {max} a month at maximum scale, over its budget of {budget}; largest: {drivers}', doc: "An environment's estimated monthly cost at maximum scale exceeds its budget (a warning when budget.enforcement is warning)." },
  'reserved-name': { severity: 'error', message: "team name '{team}' is a namespace platformc or Kubernetes uses", doc: 'A team name that collides with a namespace platformc creates for itself.' },
} as const satisfies Record<string, { severity: 'error' | 'warning'; message: string; doc: string }>;

export type DiagnosticCode = keyof typeof codes;
