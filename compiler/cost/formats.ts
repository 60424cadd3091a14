/**
 * The estimate as people and tools read it: a terminal table, markdown for a pull-request comment, and
 * JSON in the shape of Infracost's `--format json` (schema/cost-estimate.schema.json) for existing tooling.
 */
import type { AutoChoices, PlatformEstimate, Scale } from './estimate.js';

export const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const dec = (n: number) => String(Number(n.toFixed(6)));

/** Infracost-shaped JSON (decimal values as strings, as Infracost writes them); one project per environment and region. */
export function infracostJson(e: PlatformEstimate, scale: Scale = 'max'): Record<string, unknown> {
  const projects = e.environments.flatMap((env) =>
    env.regions.map((r) => ({
      name: `${e.platform}/${env.env}/${r.region}`,
      metadata: { path: `generated/terraform/${env.env}/${r.region}`, environment: env.env, region: r.region, role: r.role, scale },
      breakdown: {
        resources: r.resources.map((res) => ({
          name: res.name,
          resourceType: res.kind,
          monthlyCost: dec(res.components.reduce((a, c) => a + c.monthly[scale], 0)),
          costComponents: res.components.map((c) => ({
            name: c.name,
            unit: c.unit,
            monthlyQuantity: dec(c.quantity[scale]),
            price: dec(c.unitPrice),
            monthlyCost: dec(c.monthly[scale]),
            priceSource: c.priceSource,
            ...(c.assumption ? { assumption: c.assumption } : {}),
          })),
        })),
        totalMonthlyCost: dec(r.monthly[scale]),
      },
      ...(r.autoChoices ? { autoChoices: r.autoChoices.map(autoChoicesJson) } : {}),
    })),
  );
  return { version: '0.2', currency: e.currency, scale, projects, totalMonthlyCost: dec(e.monthly[scale]) };
}

/** An auto pool's candidates in the JSON (platformc extension): the fleet of each, and why each loser lost. */
function autoChoicesJson(a: AutoChoices): Record<string, unknown> {
  return {
    pool: a.pool,
    chosen: a.chosen,
    candidates: a.candidates.map((c) => ({
      instanceType: c.type,
      gpu: c.gpu,
      capacityType: c.capacityType,
      status: c.lost ? 'lost' : 'chosen',
      ...(c.nodes !== undefined ? { nodes: c.nodes, hourlyPrice: dec(c.usdPerHour!), monthlyCost: dec(c.monthlyUsd!) } : {}),
      reason: c.reason,
      ...(c.lost ? { lostOn: c.lost.criterion, lostBecause: c.lost.detail } : {}),
    })),
  };
}

/** The table's lines for an auto pool: the winner, the runners-up and why each other GPU lost (one line per GPU model and reason). */
function autoLines(a: AutoChoices): string[] {
  const [win, ...rest] = a.candidates;
  if (!win || win.lost) return [];
  const lines = [`    auto pool ${a.pool}: ${win.type} wins, ${win.reason}, ${usd(win.monthlyUsd!)} a month`];
  for (const c of rest.filter((x) => x.lost!.criterion === 'cost').slice(0, 3)) lines.push(`      next: ${c.type}, ${c.reason}: ${c.lost!.detail}`);
  // The rest, grouped: one line per reason family, naming the types (there are dozens of catalog types).
  const groups = new Map<string, string[]>();
  for (const c of rest.filter((x) => x.lost!.criterion !== 'cost')) {
    const key = `${c.lost!.criterion}\0${c.gpu}\0${c.lost!.detail.replace(c.type, '<type>')}`;
    groups.set(key, [...(groups.get(key) ?? []), c.type]);
  }
  for (const [key, types] of groups) {
    const [criterion, , detail] = key.split('\0') as [string, string, string];
    lines.push(`      lost (${criterion}): ${types.join(', ')}: ${detail.replace('<type>', types.length === 1 ? types[0]! : 'each')}`);
  }
  const costLosers = rest.filter((x) => x.lost!.criterion === 'cost').length;
  if (costLosers > 3) lines.push(`      and ${costLosers - 3} more that fit but cost more (platformc cost --format json lists them)`);
  return lines;
}

/** A readable table per environment: every component at min, desired and max. */
export function costTable(e: PlatformEstimate): string {
  const lines: string[] = [];
  for (const env of e.environments) {
    lines.push(`${env.env}: ${usd(env.monthly.min)} (min) / ${usd(env.monthly.desired)} (desired) / ${usd(env.monthly.max)} (max) a month; budget ${usd(env.budgetUsd)} (${env.enforcement === 'error' ? 'enforced: validate and compile fail when max exceeds it' : 'warning only'})`);
    for (const r of env.regions) {
      lines.push(`  ${r.region} (${r.role})`);
      for (const res of r.resources) {
        lines.push(`    ${res.name}`);
        for (const c of res.components) {
          lines.push(`      ${c.name.padEnd(56)} ${String(c.quantity.max).padStart(9)} ${c.unit.padEnd(10)} x ${('$' + c.unitPrice).padEnd(9)} ${usd(c.monthly.min).padStart(11)} ${usd(c.monthly.desired).padStart(11)} ${usd(c.monthly.max).padStart(11)}`);
          if (c.assumption) lines.push(`        assumes ${c.assumption}`);
        }
      }
      for (const a of r.autoChoices ?? []) lines.push(...autoLines(a));
    }
    lines.push('');
  }
  lines.push(`Total: ${usd(e.monthly.min)} (min) / ${usd(e.monthly.desired)} (desired) / ${usd(e.monthly.max)} (max) a month, ${e.hoursPerMonth} hours a month.`);
  lines.push('Quantities shown at max scale. Prices: specs/instances.json and specs/regions.json, each with its source and date.');
  return `${lines.join('\n')}\n`;
}

export function costMarkdown(e: PlatformEstimate): string {
  const rows = e.environments.map((env) => `| ${env.env} | ${usd(env.monthly.min)} | ${usd(env.monthly.desired)} | ${usd(env.monthly.max)} | ${usd(env.budgetUsd)} | ${env.monthly.max > env.budgetUsd ? 'over budget' : 'within budget'} |`);
  return [
    `### Monthly cost of ${e.platform}`,
    '',
    '| environment | min | desired | max | budget | at max scale |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    `| **total** | **${usd(e.monthly.min)}** | **${usd(e.monthly.desired)}** | **${usd(e.monthly.max)}** | | |`,
    '',
    `_${e.hoursPerMonth} hours a month; prices and assumptions per line in \`platformc cost --format json\`._`,
    '',
  ].join('\n');
}

/** Before/after per environment, for compile --check and diff. */
export function costDelta(before: PlatformEstimate | undefined, after: PlatformEstimate): string {
  const lines = ['Monthly cost at desired scale (max in brackets):'];
  for (const env of after.environments) {
    const old = before?.environments.find((x) => x.env === env.env);
    const delta = env.monthly.desired - (old?.monthly.desired ?? 0);
    const sign = delta > 0 ? '+' : delta < 0 ? '-' : '±';
    lines.push(`  ${env.env.padEnd(10)} ${old ? usd(old.monthly.desired) : 'new'} -> ${usd(env.monthly.desired)} (${sign}${usd(Math.abs(delta))} a month) [max ${old ? usd(old.monthly.max) : '-'} -> ${usd(env.monthly.max)}]`);
  }
  for (const old of before?.environments ?? []) if (!after.environments.some((e) => e.env === old.env)) lines.push(`  ${old.env.padEnd(10)} ${usd(old.monthly.desired)} -> removed`);
  return `${lines.join('\n')}\n`;
}
