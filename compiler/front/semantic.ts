/** Semantic checks: what a schema cannot know. Each check returns diagnostics; none throws on bad input. */
import type { ModelDefinition, PlatformSpec } from '../../schema/platform.js';
import { dedupeDiagnostics, diagnostic, inEnvironment, mergeEnvironments, type Diagnostic, type MessageArgs } from '../diagnostics/diagnostic.js';
import type { DiagnosticCode } from '../diagnostics/codes.js';
import { didYouMean } from '../diagnostics/suggest.js';
import { GPU_MEMORY_HEADROOM, instanceCatalog, migProfiles, notOfferedHint, regionCatalog } from '../catalog.js';
import { worstCaseSharedGiB } from '../lib/sharing.js';
import { formatCidr, maxVpcPrefix, overlaps, parseCidr, planSubnets, MAX_SUBNET_PREFIX } from '../lib/cidr.js';
import { environmentSpec, overridePath } from './environments.js';
import { durationSeconds } from '../lib/durations.js';
import { ciApplies, createsOidcProvider } from './identity.js';
import type { InvalidParts, ValidParts } from './partial.js';
import { findSecrets } from './secrets.js';
import type { Path, Source } from './source.js';
import { GPU_TAINT, isProduction, migResource, SHARED_GPU_RESOURCE, STACK_TAG } from '../lib/conventions.js';
import { sortedEntries } from '../lib/order.js';

/**
 * Namespaces platformc or Kubernetes uses; teams may not take these names. Every controller's namespace is
 * here, which a test checks against CONTROLLERS (D14: a team `logging` would get edit rights where fluent-bit's log-shipping role lives).
 */
export const RESERVED_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system', 'monitoring', 'logging', 'platform', 'loadtest', 'external-secrets'];

/**
 * A name lookup that sees only the record's own keys: `spec.teams['constructor']` is Object's constructor
 * function, which made a reference to a team or pool named `constructor` pass as found (D8).
 */
export const own = <T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined =>
  record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;

/** Address ranges that are not host networks anywhere (RFC 6890), so not a VPC's (D26). */
const UNUSABLE_RANGES: readonly (readonly [string, string])[] = [
  ['0.0.0.0/8', '"this network"'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local, where the instance metadata service lives'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved, including broadcast'],
];

interface Context {
  readonly source: Source;
  readonly spec: PlatformSpec;
  readonly raw: Record<string, unknown>;
  readonly models: ReadonlyMap<string, ModelDefinition>;
  /** Parts cut out for structural errors: nothing is reported inside them, and names they held are not "unknown". */
  readonly invalid: InvalidParts;
  readonly out: Diagnostic[];
  /** Environments whose merged view was checked. */
  readonly checkedEnvironments: string[];
}

type Report = <C extends DiagnosticCode>(code: C, path: Path, args: MessageArgs<C>, hint?: string, key?: boolean) => void;

const reporter = (ctx: Context): Report => (code, path, args, hint, key) => {
  if (!ctx.invalid.covers(path)) ctx.out.push(diagnostic(code, args, ctx.source.file, key ? ctx.source.keySpan(path) : ctx.source.span(path), hint));
};

/**
 * Runs every semantic check on the spec, or on the structurally valid parts of it (partial.ts). Secret scanning
 * runs even when the structure is invalid (see checkSecrets).
 */
export function checkSemantics(source: Source, parts: Pick<ValidParts, 'raw' | 'spec' | 'invalid'>, models: ReadonlyMap<string, ModelDefinition>): Diagnostic[] {
  const { spec, raw, invalid } = parts;
  const ctx: Context = { source, spec, raw, models, invalid, out: [], checkedEnvironments: [] };
  checkEnvironmentsExist(ctx);
  checkReferences(ctx);
  checkNetworks(ctx);
  checkCluster(ctx);
  checkIdentity(ctx);
  checkCiReachesCluster(ctx);
  checkTeams(ctx);
  checkModelsStatic(ctx);
  for (const env of Object.keys(spec.environments).sort()) checkEnvironment(ctx, env);
  return dedupeDiagnostics(mergeEnvironments(ctx.out, ctx.checkedEnvironments));
}

/** Secret values anywhere in the file. */
export function checkSecrets(source: Source): Diagnostic[] {
  return findSecrets(source.doc.contents).map((f) =>
    diagnostic('plaintext-secret', { what: f.what }, source.file, source.span(f.path), 'store it in AWS Secrets Manager and reference the secret by name (fields ending in "Secret")'),
  );
}

function checkEnvironmentsExist(ctx: Context) {
  if (Object.keys(ctx.spec.environments).length === 0 && !ctx.invalid.touches(['environments'])) {
    reporter(ctx)('environments', ['environments'], {}, undefined, true);
  }
}

/** References by name: environments to regions, pools and models; models to teams and pools. */
function checkReferences(ctx: Context) {
  const report = reporter(ctx);
  const { spec } = ctx;
  const regions = Object.keys(spec.regions);
  const pools = Object.keys(spec.nodePools);
  const modelNames = Object.keys(spec.models);
  /**
   * Found, or possibly one cut for a structural error of its own (reported already): when a map lost an item, a
   * name missing from it may be that item misspelt (a region key `us-east-3` the environments call us-east-1).
   */
  const known = (section: Path, record: Readonly<Record<string, unknown>>, name: string) => own(record, name) !== undefined || ctx.invalid.touches(section);
  for (const [name, env] of Object.entries(spec.environments)) {
    const base: Path = ['environments', name];
    if (!known(['regions'], spec.regions, env.region)) report('region-without-network', [...base, 'region'], { role: 'region', region: env.region }, `add regions.${env.region} with its vpcCidr${didYouMean(env.region, regions) ? `, or ${didYouMean(env.region, regions)}` : ''}`);
    if (env.standby) {
      if (!known(['regions'], spec.regions, env.standby.region)) report('region-without-network', [...base, 'standby', 'region'], { role: 'standby region', region: env.standby.region }, `add regions.${env.standby.region} with its vpcCidr`);
      if (env.standby.region === env.region) {
        const others = Object.keys(spec.regions).filter((r) => r !== env.region);
        report('standby-region', [...base, 'standby', 'region'], { region: env.region }, others.length ? `name another region, e.g. ${others[0]}` : 'add a second region under regions and name it here');
      }
      for (const pool of Object.keys(env.standby.nodePools)) {
        if (!own(spec.nodePools, pool)) report('unknown-reference', [...base, 'standby', 'nodePools', pool], { kind: 'node pool', name: pool }, didYouMean(pool, pools), true);
      }
    }
    for (const region of Object.keys(env.overrides.network ?? {})) {
      if (region !== env.region && region !== env.standby?.region) report('override-outside-environment', [...base, 'overrides', 'network', region], { env: name, region }, `it runs in ${[env.region, env.standby?.region].filter(Boolean).join(' and ')}`, true);
    }
    for (const pool of Object.keys(env.overrides.nodePools ?? {})) {
      if (!own(spec.nodePools, pool)) report('unknown-reference', [...base, 'overrides', 'nodePools', pool], { kind: 'node pool', name: pool }, didYouMean(pool, pools), true);
    }
    for (const model of Object.keys(env.overrides.models ?? {})) {
      if (!own(spec.models, model)) report('unknown-reference', [...base, 'overrides', 'models', model], { kind: 'model', name: model }, didYouMean(model, modelNames), true);
    }
  }
  for (const [name, model] of Object.entries(spec.models)) {
    if (!known(['teams'], spec.teams, model.team)) report('unknown-reference', ['models', name, 'team'], { kind: 'team', name: model.team }, didYouMean(model.team, Object.keys(spec.teams)));
    const pool = own(spec.nodePools, model.nodePool);
    if (!known(['nodePools'], spec.nodePools, model.nodePool)) report('unknown-reference', ['models', name, 'nodePool'], { kind: 'node pool', name: model.nodePool }, didYouMean(model.nodePool, pools));
    else if (pool && pool.role !== 'gpu') {
      const gpuPools = Object.entries(spec.nodePools).filter(([, p]) => p.role === 'gpu').map(([n]) => n);
      report('pool-role', ['models', name, 'nodePool'], { model: name, pool: model.nodePool, role: pool.role }, gpuPools.length ? `models run on gpu pools: set nodePool: ${gpuPools.join(' or ')}` : "models run on gpu pools: add a node pool with role: gpu and name it here");
    }
  }
  const roles = new Set(Object.values(spec.nodePools).map((p) => p.role));
  for (const role of ctx.invalid.touches(['nodePools']) ? [] : (['general', 'gpu'] as const)) {
    if (!roles.has(role)) report('missing-pool-role', ['nodePools'], { role }, undefined, true);
  }
}

function checkNetworks(ctx: Context) {
  const report = reporter(ctx);
  type Partial = { vpcCidr?: string; availabilityZones?: number };
  const networks: [Path, string, Partial][] = Object.entries(ctx.spec.regions).map(([r, n]): [Path, string, Partial] => [['regions', r], r, n ?? {}]);
  for (const [env, e] of Object.entries(ctx.spec.environments)) {
    for (const [r, n] of Object.entries(e.overrides.network ?? {})) networks.push([['environments', env, 'overrides', 'network', r], r, n ?? {}]);
  }
  for (const [path, region, network] of networks) {
    if (typeof network.vpcCidr === 'string') {
      const c = parseCidr(network.vpcCidr);
      const unusable = c && UNUSABLE_RANGES.find(([range]) => overlaps(c, parseCidr(range)!));
      if (!c) report('invalid-cidr', [...path, 'vpcCidr'], { cidr: network.vpcCidr });
      else if (c.prefix < 16 || c.prefix > 28) {
        // The /16 (or /28) network that starts at the same address: what to write instead.
        const prefix = c.prefix < 16 ? 16 : 28;
        report('vpc-prefix', [...path, 'vpcCidr'], { prefix: c.prefix }, `write ${formatCidr({ base: c.base, prefix })}${prefix === 16 ? ' (the largest VPC AWS allows)' : ''}`);
      }
      // Copied as written into Terraform and NetworkPolicies while subnets are computed: one spelling only (D26).
      else if (formatCidr(c) !== network.vpcCidr) report('cidr-not-canonical', [...path, 'vpcCidr'], { cidr: network.vpcCidr, canonical: formatCidr(c) });
      else if (unusable) report('cidr-unusable', [...path, 'vpcCidr'], { cidr: network.vpcCidr, range: unusable[0], why: unusable[1] }, 'use a private range such as 10.0.0.0/16');
    }
    const azs = typeof network.availabilityZones === 'number' ? network.availabilityZones : undefined;
    const available = regionCatalog.regions[region]?.availabilityZones.length ?? 0;
    if (azs !== undefined && azs > available) report('too-many-azs', [...path, 'availabilityZones'], { region, available, asked: azs });
  }
}

function checkCluster(ctx: Context) {
  const report = reporter(ctx);
  const endpoint = ctx.spec.cluster.endpoint;
  endpoint.publicAccessCidrs.forEach((c, i) => {
    if (!parseCidr(c)) report('invalid-cidr', ['cluster', 'endpoint', 'publicAccessCidrs', i], { cidr: c });
    else if (c === '0.0.0.0/0') report('open-endpoint', ['cluster', 'endpoint', 'publicAccessCidrs', i], {}, 'list the office or VPN CIDRs instead');
  });
  if (endpoint.publicAccess && endpoint.publicAccessCidrs.length === 0) {
    report('public-endpoint', ['cluster', 'endpoint', 'publicAccess'], {}, 'list the CIDRs allowed to reach it, or set publicAccess: false');
  }
}

function checkIdentity(ctx: Context) {
  const report = reporter(ctx);
  for (const [name, op] of Object.entries(ctx.spec.identity.operators)) {
    const seconds = durationSeconds(op.maxSessionDuration);
    if (seconds < 3600 || seconds > 43200) report('session-duration', ['identity', 'operators', name, 'maxSessionDuration'], { value: op.maxSessionDuration });
    if (!op.requireMfa && op.principals.length) report('mfa-disabled', ['identity', 'operators', name, 'requireMfa'], { name }, 'keep requireMfa: true');
    if (op.principals.length === 0 && !op.identityCenter) {
      report('operator-without-principals', ['identity', 'operators', name], { name }, 'list IAM principals under principals, or permission sets under identityCenter', true);
    }
  }
  const github = ctx.spec.identity.ci?.github;
  const envNames = Object.keys(ctx.spec.environments);
  if (!github || envNames.length === 0) return; // no environment at all is reported once, by checkEnvironmentsExist
  const base: Path = ['identity', 'ci', 'github'];
  const knownEnv = (env: string) => Object.hasOwn(ctx.spec.environments, env) || ctx.invalid.touches(['environments']);
  github.environments.forEach((env, i) => {
    if (!knownEnv(env)) report('unknown-reference', [...base, 'environments', i], { kind: 'environment', name: env }, didYouMean(env, envNames) ?? `environments are ${envNames.join(', ')}`);
  });
  const choice = github.oidcProvider;
  if (typeof choice !== 'string') {
    for (const env of Object.keys(choice)) {
      if (!knownEnv(env)) report('unknown-reference', [...base, 'oidcProvider', env], { kind: 'environment', name: env }, didYouMean(env, envNames), true);
    }
  }
  // IAM holds one OIDC provider per URL and account: a second create fails with EntityAlreadyExists.
  const creators = new Map<string, string[]>();
  for (const env of envNames.sort()) {
    if (!createsOidcProvider(ctx.spec, env)) continue;
    const account = ctx.spec.environments[env]!.account;
    creators.set(account, [...(creators.get(account) ?? []), env]);
  }
  for (const [account, envs] of creators) {
    if (envs.length < 2) continue;
    const at: Path = typeof choice === 'string' ? [...base, 'oidcProvider'] : [...base, 'oidcProvider', envs[1]!];
    report(
      'oidc-provider-per-account',
      ctx.source.has(at) ? at : [...base],
      { envs: envs.join(' and '), account },
      `create it in one and use it in the others, e.g. oidcProvider: { ${envs.map((e, i) => `${e}: ${i === 0 ? 'create' : 'existing'}`).join(', ')} }, and bootstrap ${envs[0]} first`,
      !ctx.source.has(at),
    );
  }
  // An environment CI does not apply: its pull requests plan, but nothing deploys it from CI. Often meant, sometimes
  // forgotten (the apply job of a new environment silently never appears): say so.
  if (github) {
    const listed: Path = ctx.source.has([...base, 'environments']) ? [...base, 'environments'] : [...base];
    for (const env of envNames.sort()) {
      if (!github.environments.includes(env)) report('ci-environment', listed, { env }, `list it to deploy it from CI: environments: [${[...github.environments, env].join(', ')}]`);
    }
  }
}

/**
 * Where CI runs must reach the cluster's API server: plan and apply talk to it (Helm, kubectl). GitHub-hosted
 * runners are outside the VPC, so a private-only endpoint (per environment: overrides may differ) is unreachable.
 */
function checkCiReachesCluster(ctx: Context) {
  const github = ctx.spec.identity.ci?.github;
  // An invalid cluster section was cut and defaulted to a private endpoint: no conclusion from that.
  if (!github || github.runsOn.includes('self-hosted') || ctx.invalid.touches(['cluster'])) return;
  const unreachable = Object.keys(ctx.spec.environments).sort().filter((env) => {
    if (!github.pullRequests && !ciApplies(ctx.spec, env)) return false;
    try {
      return !environmentSpec(ctx.raw, env).cluster.endpoint.publicAccess;
    } catch {
      return false; // an invalid override: reported where it is
    }
  });
  if (unreachable.length === 0) return;
  const at: Path = ['identity', 'ci', 'github', 'runsOn'];
  const has = ctx.source.has(at);
  ctx.out.push(
    diagnostic(
      'ci-cannot-reach-cluster',
      { endpoints: unreachable.length > 1 ? `the API endpoints of ${unreachable.join(' and ')} are` : `the API endpoint of ${unreachable[0]} is`, them: unreachable.length > 1 ? 'them' : 'it' },
      ctx.source.file,
      has ? ctx.source.span(at) : ctx.source.keySpan(['identity', 'ci', 'github']),
      "run the jobs on self-hosted runners inside each environment's VPC or in the networks cluster.endpoint.ciRunnerCidrs lists (runsOn: [self-hosted, ...]), or open the endpoint to the runners' addresses (cluster.endpoint.publicAccess with ciRunnerCidrs)",
    ),
  );
}

function checkTeams(ctx: Context) {
  const report = reporter(ctx);
  for (const team of Object.keys(ctx.spec.teams)) {
    if (RESERVED_NAMESPACES.includes(team)) report('reserved-name', ['teams', team], { team }, `rename the team (for example ${team}-team); reserved: ${RESERVED_NAMESPACES.join(', ')}`, true);
  }
}

/** Model checks that do not depend on the environment. */
function checkModelsStatic(ctx: Context) {
  const report = reporter(ctx);
  for (const [name, model] of Object.entries(ctx.spec.models)) {
    const path: Path = ['models', name];
    if (model.slo.latencyP99Ms < 1) report('slo-range', [...path, 'slo', 'latencyP99Ms'], { ms: model.slo.latencyP99Ms }, 'Triton reports latency in microseconds; use at least 1 ms');
    const periodSeconds = durationSeconds(model.slo.period);
    if (periodSeconds > 365 * 86400) report('slo-period-too-long', [...path, 'slo', 'period'], { period: model.slo.period }, 'use 30d (or at most 365d)');
    else if (periodSeconds !== 30 * 86400) report('slo-period', [...path, 'slo', 'period'], { period: model.slo.period }, 'use 30d (Sloth refuses other periods for the same reason)');
    const def = ctx.models.get(model.definition);
    if (!def) continue;
    // AWS reserves bucket names beginning with amzn-s3-demo- for documentation: no one owns the placeholder.
    if (def.weights.uri.startsWith('s3://amzn-s3-demo-')) {
      report('placeholder-weights', [...path, 'definition'], { definition: model.definition, uri: def.weights.uri }, `upload the model to a bucket you own and set weights.uri (and weights.sha256) in ${model.definition}`);
    }
    const maxBatch = model.batching.maxBatchSize ?? def.maxBatchSize;
    if (maxBatch > def.maxBatchSize) report('batch-size', [...path, 'batching', 'maxBatchSize'], { which: 'maxBatchSize', size: maxBatch, limit: `the model's ${def.maxBatchSize} (${model.definition})` });
    model.batching.preferredBatchSizes.forEach((size, i) => {
      if (size > maxBatch) report('batch-size', [...path, 'batching', 'preferredBatchSizes', i], { which: 'preferred batch size', size, limit: `maxBatchSize ${maxBatch}` });
    });
  }
}

/** Checks on one environment's merged view; positions point at the override when the value came from one. */
function checkEnvironment(ctx: Context, env: string) {
  let spec: PlatformSpec;
  try {
    spec = environmentSpec(ctx.raw, env);
  } catch {
    return; // an override that names something that does not exist: reported by checkReferences
  }
  ctx.checkedEnvironments.push(env);
  const e = spec.environments[env]!;
  /**
   * Every finding here is one environment's: tagged with it, so the same finding in every environment is
   * reported once and one that differs per environment says where (mergeEnvironments). A message that names
   * its environment already needs no tag.
   */
  const base: Report = (code, path, args, hint, key) => {
    if (ctx.invalid.covers(path)) return;
    const d = diagnostic(code, args, ctx.source.file, key ? ctx.source.keySpan(path) : ctx.source.span(path), hint);
    ctx.out.push((args as Record<string, unknown>).env === env ? d : inEnvironment(d, env));
  };
  /** Reports at the override of `path` in this environment if there is one, else at `path`. */
  const report: Report = (code, path, args, hint, key) => {
    const o = overridePath(env, path);
    base(code, o && ctx.source.has(o) ? o : path, args, hint, key);
  };
  const regions = [e.region, ...(e.standby ? [e.standby.region] : [])];

  // Networks: subnets fit, no overlap between the environment's regions.
  const cidrs: [string, ReturnType<typeof parseCidr>][] = [];
  for (const region of regions) {
    const network = spec.regions[region];
    if (!network) continue;
    const c = parseCidr(network.vpcCidr);
    if (!c || c.prefix < 16) continue;
    if (!planSubnets(c, network.availabilityZones)) {
      report('subnets-do-not-fit', ['regions', region, 'vpcCidr'], { cidr: network.vpcCidr, azs: network.availabilityZones, prefix: MAX_SUBNET_PREFIX }, `use a /${maxVpcPrefix(network.availabilityZones)} or larger VPC CIDR (e.g. /16), or fewer availability zones`);
    }
    for (const [other, oc] of cidrs) {
      if (other !== region && oc && overlaps(c, oc)) report('cidr-overlap', ['regions', region, 'vpcCidr'], { cidr: network.vpcCidr, region, other: spec.regions[other]!.vpcCidr, otherRegion: other }, 'give every region of an environment its own CIDR');
    }
    cidrs.push([region, c]);
  }

  // Node pools: instance types exist, are offered in each region, match the pool's role; sizes are ordered.
  const poolSizes = (pool: string, overrides?: Record<string, { minSize?: number; desiredSize?: number; maxSize?: number }>) => {
    const p = spec.nodePools[pool]!;
    const o = own(overrides, pool) ?? {};
    const min = o.minSize ?? p.minSize;
    const max = o.maxSize ?? p.maxSize;
    return { min, max, desired: o.desiredSize ?? (o.minSize !== undefined ? o.minSize : p.desiredSize ?? p.minSize) };
  };
  for (const [name, pool] of Object.entries(spec.nodePools)) {
    const path: Path = ['nodePools', name];
    checkTaintKeys(report, path, pool);
    const { min, max, desired } = poolSizes(name);
    if (!(min <= desired && desired <= max)) {
      const overridden = (['maxSize', 'minSize', 'desiredSize'] as const).find((f) => ctx.source.has(overridePath(env, [...path, f])!));
      const field = overridden ?? (min > max ? 'minSize' : 'desiredSize');
      report('size-order', [...path, field], { pool: `node pool '${name}'`, min, desired, max });
    }
    // A NodePool has no minimum (resolve gives it none): say so rather than let the setting look effective.
    if (spec.cluster.provisioner === 'karpenter' && pool.role === 'gpu' && desired > 0) {
      const field = ctx.source.has(overridePath(env, [...path, 'minSize'])!) || ctx.source.has([...path, 'minSize']) ? 'minSize' : 'desiredSize';
      report('karpenter-pool-minimum', [...path, field], { pool: name, min: Math.max(min, desired) }, "set minSize: 0, or keep nodes warm with the models' replicas.min");
    }
    if (e.standby && own(e.standby.nodePools, name)) {
      const s = poolSizes(name, e.standby.nodePools);
      if (!(s.min <= s.desired && s.desired <= s.max)) base('size-order', ['environments', env, 'standby', 'nodePools', name], { pool: `the standby of node pool '${name}'`, min: s.min, desired: s.desired, max: s.max });
    }
    if (pool.instanceTypes === 'auto') {
      if (pool.role !== 'gpu') report('auto-on-general-pool', [...path, 'instanceTypes'], {});
      continue;
    }
    const firstGpu = pool.role === 'gpu' ? own(instanceCatalog.instances, pool.instanceTypes[0]!)?.accelerator : undefined;
    const gpuText = (a: NonNullable<typeof firstGpu>) => `${a.count} x ${a.name} (${a.memoryGiB} GiB)`;
    pool.instanceTypes.forEach((type, i) => {
      const facts = own(instanceCatalog.instances, type);
      const at: Path = [...path, 'instanceTypes', i];
      // One GPU per pool: its labels, capacity and limits are one set, read from the pool (review K8s #26, TF #24).
      const acc = facts?.accelerator;
      if (i > 0 && firstGpu?.kind === 'nvidia' && acc?.kind === 'nvidia' && (acc.model !== firstGpu.model || acc.count !== firstGpu.count || acc.memoryGiB !== firstGpu.memoryGiB)) {
        report('pool-mixed-gpus', at, { type, has: gpuText(acc), pool: name, first: pool.instanceTypes[0]!, expected: gpuText(firstGpu) }, `list only types with ${gpuText(firstGpu)} (other sizes of the same family), and put ${type} in a pool of its own`);
      }
      if (!facts) {
        report('unknown-instance-type', at, { type }, didYouMean(type, Object.keys(instanceCatalog.instances)) ?? 'see specs/instances.json for the catalog');
        return;
      }
      for (const region of regions) {
        if (!facts.regions.includes(region)) report('instance-not-in-region', at, { type, region }, notOfferedHint(type, region));
      }
      if (pool.role === 'gpu' && facts.accelerator?.kind !== 'nvidia') {
        report('gpu-pool-without-gpu', at, { type, has: facts.accelerator ? ` (it has ${facts.accelerator.name})` : '' }, 'GPU pools use g4dn, g5, g6, g6e, p4d or p5 types');
      }
      if (pool.role === 'general' && facts.accelerator) report('general-pool-with-gpu', at, { type }, 'general pools use m, c, r or t types');
    });
  }

  // Models: replica order, memory fit, GPU sharing, GPU capacity of each pool, team quotas (in GPUs' worth:
  // a time slice of four is a quarter GPU).
  const gpusByPool = new Map<string, number>();
  const gpusByTeam = new Map<string, number>();
  checkGpuSharing(ctx, spec, report);
  for (const [name, model] of Object.entries(spec.models)) {
    const path: Path = ['models', name];
    if (model.replicas.min > model.replicas.max) report('replica-order', [...path, 'replicas', 'min'], { model: name, min: model.replicas.min, max: model.replicas.max });
    const pool = own(spec.nodePools, model.nodePool);
    const def = ctx.models.get(model.definition);
    const gpus = model.replicas.max * replicaGpus(model, pool);
    gpusByPool.set(model.nodePool, (gpusByPool.get(model.nodePool) ?? 0) + gpus);
    gpusByTeam.set(model.team, (gpusByTeam.get(model.team) ?? 0) + gpus);
    // ACM certificates are regional: one of this account in a region the environment does not run in never serves
    // (another account's belongs to another environment sharing the list).
    model.ingress.certificateArns.forEach((arn, i) => {
      const [, , , region, account] = arn.split(':');
      if (account === e.account && region && !regions.includes(region)) {
        report('certificate-region', [...path, 'ingress', 'certificateArns', i], { arn, model: name, region, env, regions: regions.join(' and ') }, `use a certificate of ${regions.join(' or ')} in account ${e.account} (request or import it there: an ALB takes certificates of its own region only)`);
      }
    });
    // Public endpoints: HTTPS with a certificate in every region of the environment, and a stated authentication.
    if (model.ingress.scheme === 'internet-facing') {
      // With a DNS zone the platform requests a DNS-validated certificate for the team's host in each region.
      for (const region of spec.dns ? [] : regions) {
        // An ALB can only use certificates of its own region and account.
        if (!model.ingress.certificateArns.some((arn) => arn.split(':')[3] === region && arn.split(':')[4] === e.account)) {
          report('ingress-tls', [...path, 'ingress', 'scheme'], { model: name, region, account: e.account }, `add an ACM certificate of ${region} in account ${e.account} to ingress.certificateArns, or name a Route 53 zone under dns.zone and platformc requests a DNS-validated one`);
        }
      }
      if (model.ingress.authentication === undefined) report('ingress-auth', [...path, 'ingress', 'scheme'], { model: name }, "set ingress.authentication: none to say so, or a cognito user pool");
    }
    // Spot reclaims a node with two minutes' notice: a single replica is down until a new node has loaded the model.
    if (pool?.role === 'gpu' && pool.capacityType === 'spot' && model.replicas.min < 2) {
      report('spot-single-replica', [...path, 'replicas', 'min'], { model: name, pool: model.nodePool, min: model.replicas.min }, 'set replicas.min: 2 (the Deployment spreads them over zones and its PodDisruptionBudget lets one go at a time), or serve it from an on-demand pool');
    }
    if (!pool || pool.role !== 'gpu' || pool.instanceTypes === 'auto') continue;
    for (const type of pool.instanceTypes) {
      const acc = own(instanceCatalog.instances, type)?.accelerator;
      if (!acc || acc.kind !== 'nvidia') continue;
      if (model.gpusPerReplica > acc.count) {
        report('replica-too-large', [...path, 'gpusPerReplica'], { model: name, gpus: model.gpusPerReplica, type, count: acc.count });
      }
      const mig = model.gpu && 'mig' in model.gpu ? migProfiles(acc)?.[model.gpu.mig] : undefined;
      if (def && mig && def.memory.gpuGiB > mig.memoryGiB * GPU_MEMORY_HEADROOM) {
        const profile = (model.gpu as { mig: string }).mig;
        report('model-does-not-fit', [...path, 'gpu', 'mig'], { model: name, needGiB: def.memory.gpuGiB, type, usableGiB: round(mig.memoryGiB * GPU_MEMORY_HEADROOM), count: 1, gpu: `MIG ${profile} instance of ${acc.name}`, memoryGiB: mig.memoryGiB, headroom: Math.round((1 - GPU_MEMORY_HEADROOM) * 100) }, 'pick a larger MIG profile or whole GPUs');
      } else if (def && !mig && def.memory.gpuGiB > acc.memoryGiB * GPU_MEMORY_HEADROOM * model.gpusPerReplica) {
        report('model-does-not-fit', [...path, 'nodePool'], { model: name, needGiB: def.memory.gpuGiB, type, usableGiB: round(acc.memoryGiB * GPU_MEMORY_HEADROOM * model.gpusPerReplica), count: acc.count, gpu: acc.name, memoryGiB: acc.memoryGiB, headroom: Math.round((1 - GPU_MEMORY_HEADROOM) * 100) }, 'pick a GPU with more memory or raise gpusPerReplica');
      }
    }
  }
  // The period's budget is computed from samples Prometheus still holds (reported once, for the first model).
  const retention = spec.observability.metrics.retention;
  // Only periods that are accepted (30d): a refused period is reported once, as slo-period.
  const short = Object.entries(spec.models).find(([, m]) => durationSeconds(m.slo.period) === 30 * 86400 && durationSeconds(retention) < durationSeconds(m.slo.period));
  if (spec.observability.metrics.enabled && short) {
    report('slo-retention', ['observability', 'metrics', 'retention'], { model: short[0], period: short[1].slo.period, retention }, `set observability.metrics.retention to ${short[1].slo.period} or more`);
  }
  for (const [poolName, needed] of gpusByPool) {
    const pool = own(spec.nodePools, poolName);
    if (!pool || pool.instanceTypes === 'auto') continue;
    const perNode = Math.min(...pool.instanceTypes.map((t) => own(instanceCatalog.instances, t)?.accelerator?.count ?? Infinity));
    if (!Number.isFinite(perNode)) continue;
    const capacity = perNode * pool.maxSize;
    if (round(needed) > capacity) {
      report('gpu-capacity', ['nodePools', poolName, 'maxSize'], { pool: poolName, needed: round(needed), maxSize: pool.maxSize, perNode, capacity }, `raise maxSize to ${Math.ceil(round(needed) / perNode)} or lower the models' replicas.max`);
    }
  }
  for (const [team, needed] of gpusByTeam) {
    const quota = own(spec.teams, team)?.gpuQuota;
    if (quota !== undefined && round(needed) > quota) report('team-quota', ['teams', team, 'gpuQuota'], { team, quota, needed: round(needed) }, 'raise gpuQuota or lower replicas.max: pods over quota are refused');
  }

  // AWS Budgets: at most 10 notifications per budget (one FORECASTED and one ACTUAL per threshold) and 10
  // e-mail subscribers per notification; CreateBudget fails beyond.
  const thresholds = new Set(spec.budget.alertThresholds);
  if (thresholds.size * 2 > BUDGET_MAX_NOTIFICATIONS) {
    report('budget-notifications', ['budget', 'alertThresholds'], { count: thresholds.size, notifications: thresholds.size * 2, max: BUDGET_MAX_NOTIFICATIONS }, `keep at most ${BUDGET_MAX_NOTIFICATIONS / 2} distinct thresholds`);
  }
  if (spec.budget.notify.length > BUDGET_MAX_SUBSCRIBERS) {
    report('budget-subscribers', ['budget', 'notify'], { count: spec.budget.notify.length, max: BUDGET_MAX_SUBSCRIBERS }, 'notify a mailing list instead of individuals');
  }

  // Outside working hours the models are at zero, but cluster-autoscaler keeps a pool's minSize nodes: the floor must be 0.
  // (Karpenter's GPU pools have no floor: karpenter-pool-minimum says so.)
  if (e.workingHours && spec.cluster.provisioner === 'cluster-autoscaler') {
    for (const [name, pool] of Object.entries(spec.nodePools)) {
      const { min } = poolSizes(name);
      if (pool.role === 'gpu' && min > 0) report('working-hours-pool-floor', ['nodePools', name, 'minSize'], { pool: name, min, env }, `set minSize: 0 for '${name}' in environments.${env}.overrides.nodePools`);
    }
  }

  // The CI runners' CIDRs reach the API server (cluster security group, public endpoint): real networks, never everything.
  spec.cluster.endpoint.ciRunnerCidrs.forEach((c, i) => {
    const path: Path = ['cluster', 'endpoint', 'ciRunnerCidrs', i];
    const parsed = parseCidr(c);
    if (!parsed) report('invalid-cidr', path, { cidr: c });
    else if (parsed.prefix === 0) report('open-ci-runners', path, { cidr: c }, "list the runners' networks (the VPC or subnet they run in, or their NAT addresses); to open a public endpoint to everyone, write 0.0.0.0/0 in publicAccessCidrs");
  });

  // A budget of scope 'account' counts everything the account spends: with another environment there, both.
  const sharing = Object.keys(ctx.spec.environments).filter((other) => ctx.spec.environments[other]!.account === e.account).sort();
  if (sharing.length > 1 && spec.budget.scope === 'account') {
    const at: Path = ctx.source.has(['environments', env, 'budget']) ? ['environments', env, 'budget'] : ['environments', env, 'account'];
    ctx.out.push(
      inEnvironment(
        diagnostic('budget-shared-account', { envs: sharing.join(' and '), account: e.account }, ctx.source.file, ctx.source.span(at), `set budget.scope: environment (it counts the costs tagged ${STACK_TAG}=${ctx.spec.metadata.name}-${env}; activate that cost-allocation tag, see budget.activateTag)`),
        env,
      ),
    );
  }

  // The tag's activation is the account's, one resource: two environments managing it would deactivate it for each other.
  if (spec.budget.activateTag) {
    const activating = sharing.filter((other) => {
      try {
        return environmentSpec(ctx.raw, other).budget.activateTag;
      } catch {
        return false; // an invalid override: reported where it is
      }
    });
    if (activating.length > 1 && activating[0] !== env) {
      report('cost-tag-per-account', ['budget', 'activateTag'], { envs: activating.join(' and '), account: e.account }, `activate it from ${activating[0]} only: set activateTag in environments.${activating[0]}.budget instead of the shared budget, or activateTag: false in environments.${env}.budget`);
    }
  }

  // One NAT gateway is one AZ: when it fails, a production environment loses all egress (STS, image pulls).
  if (isProduction(env)) {
    for (const region of regions) {
      if (spec.regions[region]?.natGateways === 'single') {
        const written: Path = ctx.source.has(['environments', env, 'overrides', 'network', region, 'natGateways']) ? ['environments', env, 'overrides', 'network', region, 'natGateways'] : ['regions', region, 'natGateways'];
        base('single-nat-prod', ctx.source.has(written) ? written : ['regions', region], { env, region }, `set natGateways: perAz for ${region} in environments.${env}.overrides.network (one NAT gateway per AZ survives an AZ outage)`);
      }
    }
  }
}

/**
 * GPUs' worth of one replica: its whole GPUs, 1/N of a GPU time-sliced N ways, or the share of a GPU a MIG instance
 * takes when the GPU is split into that profile only (1/7 for 1g.10gb on an H100; the pool's first type decides).
 */
function replicaGpus(model: PlatformSpec['models'][string], pool: PlatformSpec['nodePools'][string] | undefined): number {
  if (!model.gpu) return model.gpusPerReplica;
  if ('share' in model.gpu) return 1 / model.gpu.share;
  const acc = pool && pool.instanceTypes !== 'auto' ? own(instanceCatalog.instances, pool.instanceTypes[0]!)?.accelerator : undefined;
  const profile = acc ? migProfiles(acc)?.[model.gpu.mig] : undefined;
  return profile && Object.hasOwn(migProfiles(acc!)!, model.gpu.mig) ? 1 / profile.instancesPerGpu : 1;
}

const describeAsk = (ask: PlatformSpec['models'][string]['gpu']) => (!ask ? 'uses whole GPUs' : 'share' in ask ? `shares each GPU ${ask.share} ways (gpu.share: ${ask.share})` : `uses MIG ${ask.mig} instances`);

/**
 * GPU sharing: the device plugin splits every GPU of a node one way (whole, time-sliced N ways, or one MIG profile),
 * so every model of a pool must ask for the same; a shared replica is one slice or instance (gpusPerReplica 1); MIG
 * exists only on the GPUs the catalog lists it for (A100, H100, H200) and with their profiles; time slices have
 * no memory isolation, so the replicas that can land on one GPU must fit its memory together.
 */
function checkGpuSharing(ctx: Context, spec: PlatformSpec, report: Report) {
  const byPool = new Map<string, [string, PlatformSpec['models'][string]][]>();
  for (const [name, m] of sortedEntries(spec.models)) byPool.set(m.nodePool, [...(byPool.get(m.nodePool) ?? []), [name, m]]);
  for (const [poolName, models] of byPool) {
    const pool = own(spec.nodePools, poolName);
    const key = (m: PlatformSpec['models'][string]) => JSON.stringify(m.gpu ?? null);
    const first = models.find(([, m]) => m.gpu) ?? models[0]!;
    for (const [name, m] of models) {
      if (m.gpu && spec.cluster.provisioner === 'karpenter') {
        report('sharing-needs-node-groups', ['models', name, 'gpu'], { model: name, resource: 'share' in m.gpu ? SHARED_GPU_RESOURCE : migResource(m.gpu.mig) }, 'set cluster.provisioner: cluster-autoscaler for shared GPUs, or drop gpu to give each replica a whole GPU');
      }
      if (m.gpu && m.gpusPerReplica > 1) report('gpu-sharing-conflict', ['models', name, 'gpusPerReplica'], { model: name, problem: `asks for ${m.gpusPerReplica} GPUs per replica and a shared GPU; a shared replica is one time slice or MIG instance` }, 'leave gpusPerReplica at 1, or drop gpu for whole GPUs');
      if (key(m) !== key(first[1])) {
        report('gpu-sharing-conflict', m.gpu ? ['models', name, 'gpu'] : ['models', name, 'nodePool'], { model: name, problem: `${describeAsk(m.gpu)}, but '${first[0]}' on the same pool '${poolName}' ${describeAsk(first[1].gpu)}; the device plugin splits every GPU of a node one way` }, 'give both models the same gpu setting, or put them on different node pools');
      }
    }
    if (!pool || pool.role !== 'gpu' || pool.instanceTypes === 'auto') continue;
    for (const type of pool.instanceTypes) {
      const acc = own(instanceCatalog.instances, type)?.accelerator;
      if (!acc || acc.kind !== 'nvidia') continue;
      for (const [name, m] of models) {
        if (!m.gpu || !('mig' in m.gpu)) continue;
        const profiles = migProfiles(acc);
        if (!profiles) report('mig-profile', ['models', name, 'gpu', 'mig'], { model: name, profile: m.gpu.mig, problem: `${type} has ${acc.name}, which has no MIG (A100, H100 and H200 have it)` }, `run '${name}' on a p4d or p5 pool, or share the GPU by time-slicing (gpu: {share: N})`);
        else if (!Object.hasOwn(profiles, m.gpu.mig)) report('mig-profile', ['models', name, 'gpu', 'mig'], { model: name, profile: m.gpu.mig, problem: `${acc.name} offers ${Object.keys(profiles).join(', ')}` }, didYouMean(m.gpu.mig, Object.keys(profiles)) ?? `pick one of ${Object.keys(profiles).join(', ')}`);
      }
      const share = first[1].gpu && 'share' in first[1].gpu ? first[1].gpu.share : undefined;
      if (!share) continue;
      const replicas = models.flatMap(([name, m]) => {
        const gib = ctx.models.get(m.definition)?.memory.gpuGiB;
        return gib === undefined ? [] : Array.from({ length: m.replicas.max }, () => ({ name, gib }));
      });
      const top = [...replicas].sort((a, b) => b.gib - a.gib).slice(0, share);
      const together = worstCaseSharedGiB(replicas.map((r) => r.gib), share);
      const usable = round(acc.memoryGiB * GPU_MEMORY_HEADROOM);
      if (together > usable) {
        const counts = new Map<string, { n: number; gib: number }>();
        for (const r of top) counts.set(r.name, { n: (counts.get(r.name)?.n ?? 0) + 1, gib: r.gib });
        const detail = [...counts].map(([n, c]) => `${c.n} x '${n}' at ${c.gib} GiB`).join(', ');
        report('shared-gpu-memory', ['models', first[0], 'gpu', 'share'], { share, gpu: acc.name, pool: poolName, needGiB: together, detail, type, usableGiB: usable }, `lower gpu.share to ${Math.max(1, Math.floor(usable / Math.max(...replicas.map((r) => r.gib))))} or less, or use a GPU with more memory (no memory isolation between time slices)`);
      }
    }
  }
}

/** AWS Budgets limits: notifications per budget, e-mail subscribers per notification. */
export const BUDGET_MAX_NOTIFICATIONS = 10;
export const BUDGET_MAX_SUBSCRIBERS = 10;

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Taints are keyed by their key in the node group (the map key is the key with every run of other characters
 * made '-') and in the autoscaler's node template: two taints whose keys meet there keep only the last, and a
 * user taint on the GPU taint's map key replaces it, so Triton's toleration no longer matches (D18).
 */
function checkTaintKeys(report: Report, path: Path, pool: PlatformSpec['nodePools'][string]) {
  const mapKey = (key: string) => key.replace(/[^A-Za-z0-9]+/g, '-');
  const seen = new Map<string, string>(pool.role === 'gpu' ? [[mapKey(GPU_TAINT.key), GPU_TAINT.key]] : []);
  pool.taints.forEach((t, i) => {
    if (pool.role === 'gpu' && t.key === GPU_TAINT.key) return; // the built-in GPU taint, written out: resolve keeps one
    const other = seen.get(mapKey(t.key));
    if (other === undefined) return void seen.set(mapKey(t.key), t.key);
    const problem = other === t.key ? 'is used twice; a node group keeps one taint per key' : `is the same node-group key as '${other}'${other === GPU_TAINT.key ? ' (the GPU taint every GPU pool carries)' : ''}`;
    report('duplicate-taint', [...path, 'taints', i, 'key'], { key: t.key, problem }, 'give each taint its own key');
  });
}
