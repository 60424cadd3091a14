/**
 * The catalog under specs/ is consistent: every region a type is offered in is a catalog region and has an
 * on-demand and a spot price for it (and no price elsewhere), every region has every service price the estimate
 * reads, every source key a fact names exists, and every source says when it was taken (or that it is an assumption).
 */
import { describe, expect, it } from 'vitest';
import { alternativesTo, instanceCatalog, notOfferedHint, priceCatalog, regionCatalog } from '../../compiler/catalog.js';
import { closest } from '../../compiler/diagnostics/suggest.js';
import { spotAssumption } from '../../compiler/cost/estimate.js';
import { hourPrice } from '../../compiler/resolve/fleet.js';

const regions = Object.keys(regionCatalog.regions);
const prices = priceCatalog();
const SERVICE_KEYS = Object.keys(prices.services['us-east-1']!);
/** A date (2026-11-28, 2026-01) or an explicit UNCONFIRMED. */
const dated = /\b20\d\d-\d\d(-\d\d)?\b|UNCONFIRMED/;

describe('specs catalog', () => {
  it('covers every commercial region that offers a catalog GPU family, each with its zones', () => {
    expect(regions.length).toBeGreaterThanOrEqual(28);
    for (const r of regions) {
      expect(r).toMatch(/^(us|eu|ap|ca|sa|me|af|il|mx)-[a-z]+-\d$/);
      const f = regionCatalog.regions[r]!;
      expect(f.availabilityZones.length, r).toBeGreaterThanOrEqual(2);
      for (const z of f.availabilityZones) expect(z, r).toMatch(new RegExp(`^${r}[a-z]$`));
      expect(regionCatalog.sources[f.azSource], r).toBeDefined();
      // Every region offers at least one NVIDIA GPU type and one general-purpose type.
      const offered = Object.values(instanceCatalog.instances).filter((i) => i.regions.includes(r));
      expect(offered.some((i) => i.accelerator?.kind === 'nvidia'), r).toBe(true);
      expect(offered.some((i) => !i.accelerator), r).toBe(true);
    }
  });

  it('prices every instance type on demand and at spot in each region it is offered, and nowhere else', () => {
    for (const [type, f] of Object.entries(instanceCatalog.instances)) {
      expect(instanceCatalog.sources[f.regionsSource], type).toBeDefined();
      expect(instanceCatalog.sources[f.factsSource], type).toBeDefined();
      for (const r of f.regions) expect(regions, `${type} in ${r}`).toContain(r);
      for (const kind of ['onDemand', 'spot'] as const) {
        expect(Object.keys(prices[kind][type] ?? {}).sort(), `${kind} ${type}`).toEqual([...f.regions].sort());
        for (const [r, p] of Object.entries(prices[kind][type]!)) {
          expect(p.usd, `${kind} ${type} ${r}`).toBeGreaterThan(0);
          expect(prices.sources[p.source], `${kind} ${type} ${r}: ${p.source}`).toBeDefined();
        }
      }
      // A spot price never exceeds on-demand (AWS caps it there).
      for (const r of f.regions) expect(prices.spot[type]![r]!.usd, `${type} ${r}`).toBeLessThanOrEqual(prices.onDemand[type]![r]!.usd);
    }
  });

  it('has every service price the estimate reads in every region, each with a known source', () => {
    expect(Object.keys(prices.services).sort()).toEqual([...regions].sort());
    for (const r of regions) {
      expect(Object.keys(prices.services[r]!).sort(), r).toEqual([...SERVICE_KEYS].sort());
      for (const [k, p] of Object.entries(prices.services[r]!)) expect(prices.sources[p.source], `${r} ${k}: ${p.source}`).toBeDefined();
    }
  });

  it('dates every source, or marks it UNCONFIRMED', () => {
    for (const spec of [regionCatalog, instanceCatalog, prices]) {
      expect(spec.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      for (const [key, text] of Object.entries(spec.sources)) expect(text, key).toMatch(dated);
    }
  });

  it('suggests, for a type a region does not offer, the closest types it offers and the nearest regions that offer the type', () => {
    // eu-west-1 has no L4 (g6): the 1-GPU types of 4 vCPUs it has, and g6 in Europe first.
    expect(alternativesTo('g6.xlarge', 'eu-west-1').types).toEqual(['g4dn.xlarge', 'g5.xlarge', 'g4dn.2xlarge']);
    expect(alternativesTo('g6.xlarge', 'eu-west-1').regions.slice(0, 3)).toEqual(['eu-west-2', 'eu-west-3', 'eu-central-1']);
    expect(notOfferedHint('g6.xlarge', 'eu-west-1')).toMatch(/^did you mean 'g4dn.xlarge' or 'g5.xlarge' or 'g4dn.2xlarge' \(offered in eu-west-1\)\? g6.xlarge is offered in eu-west-2, eu-west-3, eu-central-1 and \d+ other regions \(specs\/instances.json\)$/);
    // A p5 in a region without H100s: the same GPU model is nowhere there, so 8-GPU NVIDIA types.
    const p5 = alternativesTo('p5.48xlarge', 'eu-west-1');
    for (const t of p5.types) expect(instanceCatalog.instances[t]!.accelerator!.count).toBe(8);
  });

  it('keeps "did you mean" for region names useful with every region in the catalog', () => {
    expect(closest('us-east-3', regions)).toMatch(/^us-east-[12]$/);
    expect(closest('eu-wset-1', regions)).toBe('eu-west-1');
    expect(closest('ap-southeast1', regions)).toBe('ap-southeast-1');
    expect(closest('ap-northeast-l', regions)).toBe('ap-northeast-1');
    expect(closest('sa-east-1 ', regions)).toBe('sa-east-1');
  });

  it('prices spot at the region\'s own spot price, and says so when no spot price is known', () => {
    // us-east-1 g4dn.xlarge: the mean zone spot price (V-SPOT), well below on-demand.
    expect(hourPrice('g4dn.xlarge', 'us-east-1', 'spot')).toEqual({ usd: 0.1766, onDemandUsd: 0.526, source: 'V-SPOT' });
    // The same type in another region has another spot price: no flat discount.
    expect(hourPrice('g4dn.xlarge', 'ap-northeast-1', 'spot')!.usd).toBe(0.262167);
    // ap-east-1 publishes no g5 spot price: charged at on-demand, and the line says it is no cheaper.
    const none = hourPrice('g5.xlarge', 'ap-east-1', 'spot')!;
    expect(none).toMatchObject({ usd: none.onDemandUsd, source: 'SPOT-NONE' });
    expect(spotAssumption(none.usd, none.onDemandUsd, 'ap-east-1')).toContain('no cheaper than on-demand');
    expect(hourPrice('g6.xlarge', 'eu-west-1', 'spot')).toBeUndefined();
  });
});
