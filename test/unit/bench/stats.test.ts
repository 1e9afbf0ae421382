import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { cdf, median, percentile, quantile, relativeSpread, summarize, thin } from "../../../src/bench/dataplane/stats";

describe("benchmark statistics", () => {
  it("median of odd and even counts, unsorted input", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("percentiles interpolate between closest ranks (numpy's default)", () => {
    const xs = Array.from({ length: 101 }, (_, i) => i); // 0..100
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile([1, 2, 3, 4], 25)).toBeCloseTo(1.75);
    expect(quantile([10], 0.99)).toBe(10);
  });

  it("drops non-finite values (a failed repeat is NaN) and says n = 0 for none", () => {
    expect(summarize([NaN, 2, Infinity, 4])).toMatchObject({ n: 2, median: 3, min: 2, max: 4 });
    const empty = summarize([NaN]);
    expect(empty.n).toBe(0);
    expect(Number.isNaN(empty.median)).toBe(true);
    expect(Number.isNaN(quantile([], 0.5))).toBe(true);
  });

  it("refuses a quantile outside [0, 1]", () => {
    expect(() => quantile([1], 1.5)).toThrow(/outside/);
  });

  it("summary: spread as p25/p75 and min/max; relative spread", () => {
    const s = summarize([1, 2, 3, 4, 5]);
    expect(s).toEqual({ n: 5, median: 3, min: 1, max: 5, p25: 2, p75: 4, mean: 3 });
    expect(relativeSpread(s)).toBeCloseTo(4 / 3);
  });

  it("CDF is a non-decreasing step list ending at 1, with the true fraction at ties", () => {
    expect(cdf([3, 1, 2, 2])).toEqual([
      { x: 1, y: 0.25 },
      { x: 2, y: 0.75 },
      { x: 3, y: 1 },
    ]);
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 500 }), fc.integer({ min: 2, max: 50 }), (xs, max) => {
        const pts = cdf(xs, max);
        expect(pts.length).toBeLessThanOrEqual(max);
        expect(pts[pts.length - 1]!.y).toBe(1);
        expect(pts[pts.length - 1]!.x).toBe(Math.max(...xs));
        for (let i = 1; i < pts.length; i++) {
          expect(pts[i]!.x).toBeGreaterThanOrEqual(pts[i - 1]!.x);
          expect(pts[i]!.y).toBeGreaterThan(pts[i - 1]!.y);
        }
      }),
    );
  });

  it("median lies between min and max for any sample", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 1 }), (xs) => {
        const s = summarize(xs);
        expect(s.min).toBeLessThanOrEqual(s.p25);
        expect(s.p25).toBeLessThanOrEqual(s.median);
        expect(s.median).toBeLessThanOrEqual(s.p75);
        expect(s.p75).toBeLessThanOrEqual(s.max);
      }),
    );
  });

  it("thin keeps at most max evenly spaced values", () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i);
    const t = thin(xs, 10);
    expect(t).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    expect(thin([1, 2], 10)).toEqual([1, 2]);
  });
});
