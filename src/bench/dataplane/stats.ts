// Statistics for benchmark samples: medians with their spread, percentiles, and CDF points.
// Pure functions of arrays of numbers; non-finite values are dropped (a failed repeat is NaN).

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  /** 25th and 75th percentiles: the spread reported next to the median. */
  p25: number;
  p75: number;
  mean: number;
}

function finiteSorted(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}

/**
 * The q-quantile (0 ≤ q ≤ 1) by linear interpolation between closest ranks (the "type 7"
 * estimator of R and numpy's default), so that p50 of [1, 2] is 1.5. NaN for no values.
 */
export function quantile(values: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is outside [0, 1]`);
  const s = finiteSorted(values);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Percentile p in 0-100 (p99 = percentile(xs, 99)). */
export function percentile(values: readonly number[], p: number): number {
  return quantile(values, p / 100);
}

export function summarize(values: readonly number[]): Summary {
  const s = finiteSorted(values);
  if (s.length === 0) return { n: 0, median: NaN, min: NaN, max: NaN, p25: NaN, p75: NaN, mean: NaN };
  return {
    n: s.length,
    median: quantile(s, 0.5),
    min: s[0]!,
    max: s[s.length - 1]!,
    p25: quantile(s, 0.25),
    p75: quantile(s, 0.75),
    mean: s.reduce((a, b) => a + b, 0) / s.length,
  };
}

/** Spread as a fraction of the median ((max - min) / median), for "± x %" in reports. */
export function relativeSpread(s: Summary): number {
  if (s.n === 0 || s.median === 0) return NaN;
  return (s.max - s.min) / Math.abs(s.median);
}

export interface CdfPoint {
  /** The sample value. */
  x: number;
  /** Fraction of samples ≤ x (0 < y ≤ 1). */
  y: number;
}

/**
 * The empirical CDF as a step list, thinned to at most `maxPoints` points (always keeping the
 * first and the last) so that a plot of 100 000 samples stays small.
 */
export function cdf(values: readonly number[], maxPoints = 200): CdfPoint[] {
  const s = finiteSorted(values);
  if (s.length === 0) return [];
  const points: CdfPoint[] = [];
  // Keep the last index of every run of equal values: y there is the true fraction ≤ x.
  for (let i = 0; i < s.length; i++) {
    if (i === s.length - 1 || s[i + 1] !== s[i]) points.push({ x: s[i]!, y: (i + 1) / s.length });
  }
  if (points.length <= maxPoints) return points;
  const step = (points.length - 1) / (maxPoints - 1);
  const out: CdfPoint[] = [];
  for (let k = 0; k < maxPoints; k++) out.push(points[Math.round(k * step)]!);
  return out;
}

/** An evenly spaced subsample of at most `max` values (keeps sample files small). */
export function thin(values: readonly number[], max: number): number[] {
  if (values.length <= max) return [...values];
  const step = values.length / max;
  const out: number[] = [];
  for (let k = 0; k < max; k++) out.push(values[Math.floor(k * step)]!);
  return out;
}
