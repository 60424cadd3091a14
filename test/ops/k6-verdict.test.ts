/**
 * apply's message when a load test fails quotes k6's own summary. The pinned k6 is v1, whose default
 * ("compact") end-of-test summary lists thresholds by metric, a broken one marked ✗
 * (grafana.com/docs/k6/latest/results-output/end-of-test).
 */
import { describe, expect, it } from 'vitest';
import { k6Verdict } from '../../compiler/ops/loadtest.js';
import versions from '../../specs/versions.json' with { type: 'json' };

const compactSummary = `
  █ THRESHOLDS

    dropped_iterations
    ✓ 'count<1' count=0

    http_req_duration
    ✗ 'p(99)<25' p(99)=31.2ms

    http_req_failed
    ✓ 'rate<0.001' rate=0.00%


  █ TOTAL RESULTS

    checks_total.......................: 24000   400/s
    checks_succeeded...................: 100.00% 24000 out of 24000

    HTTP
    http_req_duration..................: avg=12ms min=8ms med=11ms max=40ms p(99)=31.2ms
    http_req_failed....................: 0.00%  0 out of 24000
    http_reqs..........................: 24000  400/s

level=error msg="thresholds on metrics 'http_req_duration' have been crossed"
`;

describe('k6 verdict (K8s #9, #24: k6 v1)', () => {
  it('the pinned k6 is a v1 release', () => {
    expect(versions.images.k6.tag).toMatch(/^1\.\d+\.\d+$/);
  });
  it('quotes the broken threshold with its measured value from a v1 compact summary', () => {
    const why = k6Verdict(compactSummary);
    expect(why).toContain("✗ 'p(99)<25' p(99)=31.2ms");
    expect(why).toContain('http_req_duration');
    expect(why.length).toBeLessThanOrEqual(8);
  });
});
