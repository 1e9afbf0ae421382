// Small SVG charts written by hand: grouped bars with min–max whiskers, and CDF lines. Pure
// functions from data to an SVG string; no browser, no dependency. Used by the benchmark reports
// (and readable by the dashboard, which can inline the same files).

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Colour-blind-safe palette (Okabe–Ito), one colour per series, in order. */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];

const FONT = `font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"`;

/** "Nice" tick values covering [0, max] (1, 2, 5 × 10^k steps). */
export function linearTicks(max: number, target = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const raw = max / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Decade ticks (1, 10, 100 …) spanning [min, max], both > 0. */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const out: number[] = [];
  for (let e = lo; e <= Math.max(hi, lo + 1); e++) out.push(Number((10 ** e).toPrecision(12)));
  return out;
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return "n/a";
  const a = Math.abs(v);
  if (a === 0) return "0";
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return Number(v.toPrecision(2)).toString();
}

export interface BarValue {
  value: number;
  /** Whisker ends (e.g. min and max of the repeats); omitted = no whisker. */
  lo?: number;
  hi?: number;
}

export interface GroupedBarsInput {
  title: string;
  /** Axis label, e.g. "Gbit/s (higher is better)". */
  yLabel: string;
  groups: string[];
  series: string[];
  /** values[group][series]; null = not measured (drawn as "n/a"), a string = that label instead of a bar. */
  values: (BarValue | string | null)[][];
  /** A colour per series (default: the palette in order), so one series keeps its colour across charts. */
  colors?: string[];
  width?: number;
  height?: number;
  /** Logarithmic y axis (for values spanning decades, like Gbit/s of veth vs OVS userspace). */
  log?: boolean;
}

export function groupedBarsSvg(input: GroupedBarsInput): string {
  const width = input.width ?? 760;
  const height = input.height ?? 360;
  const m = { top: 44, right: 16, bottom: 70, left: 64 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const all = input.values.flat().filter((v): v is BarValue => v !== null && typeof v !== "string" && Number.isFinite(v.value));
  const maxV = Math.max(0, ...all.map((v) => Math.max(v.value, v.hi ?? v.value)));
  const positive = all.flatMap((v) => [v.value, v.lo ?? v.value]).filter((x) => x > 0);
  const useLog = Boolean(input.log) && positive.length > 0;
  // On a log axis the smallest bar must still have a height: start below its decade.
  const ticks = useLog ? logTicks(Math.min(...positive) / 2, maxV) : linearTicks(maxV || 1);
  const top = ticks[ticks.length - 1]!;
  const bottom = useLog ? ticks[0]! : 0;
  const y = (v: number): number => {
    if (useLog) {
      const c = Math.max(v, bottom);
      return m.top + plotH - ((Math.log10(c) - Math.log10(bottom)) / (Math.log10(top) - Math.log10(bottom))) * plotH;
    }
    return m.top + plotH - (v / top) * plotH;
  };
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  out.push(`<text x="${m.left}" y="20" font-size="15" font-weight="600">${escapeXml(input.title)}</text>`);
  // Grid and y axis.
  for (const t of ticks) {
    const ty = y(t).toFixed(1);
    out.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${ty}" y2="${ty}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${m.left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle" fill="#444">${escapeXml(formatNumber(t))}</text>`);
  }
  out.push(`<text transform="translate(14 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#444">${escapeXml(input.yLabel)}${useLog ? " (log scale)" : ""}</text>`);
  out.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + plotH}" stroke="#888"/>`);
  out.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="#888"/>`);
  // Bars.
  const groupW = plotW / Math.max(1, input.groups.length);
  const barW = Math.min(36, (groupW * 0.8) / Math.max(1, input.series.length));
  input.groups.forEach((g, gi) => {
    const gx = m.left + gi * groupW + (groupW - barW * input.series.length) / 2;
    input.series.forEach((s, si) => {
      const v = input.values[gi]?.[si] ?? null;
      const x = gx + si * barW;
      const color = input.colors?.[si] ?? PALETTE[si % PALETTE.length]!;
      if (v === null || typeof v === "string" || !Number.isFinite(v.value)) {
        const label = typeof v === "string" ? v : "n/a";
        out.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${m.top + plotH - 4}" text-anchor="middle" font-size="9" fill="${typeof v === "string" ? "#b00" : "#999"}">${escapeXml(label)}</text>`);
        return;
      }
      const yv = y(v.value);
      const h = m.top + plotH - yv;
      out.push(`<rect x="${(x + 1).toFixed(1)}" y="${yv.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${Math.max(0, h).toFixed(1)}" fill="${color}"><title>${escapeXml(`${g} · ${s}: ${formatNumber(v.value)}`)}</title></rect>`);
      if (v.lo !== undefined && v.hi !== undefined && v.hi > v.lo) {
        const cx = (x + barW / 2).toFixed(1);
        out.push(`<path d="M${cx} ${y(v.lo).toFixed(1)}V${y(v.hi).toFixed(1)}M${(x + barW * 0.3).toFixed(1)} ${y(v.hi).toFixed(1)}H${(x + barW * 0.7).toFixed(1)}M${(x + barW * 0.3).toFixed(1)} ${y(v.lo).toFixed(1)}H${(x + barW * 0.7).toFixed(1)}" stroke="#222" stroke-width="1"/>`);
      }
      // The label sits above the whisker, where it cannot cross it.
      const labelY = y(Math.max(v.value, v.hi ?? v.value)) - 4;
      out.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${labelY.toFixed(1)}" text-anchor="middle" font-size="9" fill="#222">${escapeXml(formatNumber(v.value))}</text>`);
    });
    out.push(`<text x="${(m.left + gi * groupW + groupW / 2).toFixed(1)}" y="${m.top + plotH + 16}" text-anchor="middle" fill="#222">${escapeXml(g)}</text>`);
  });
  out.push(legend(input.series, m.left, height - 26, plotW, input.colors));
  out.push(`</svg>`);
  return out.join("\n");
}

function legend(series: string[], x0: number, y0: number, width: number, colors?: string[]): string {
  const parts: string[] = [];
  let x = x0;
  let y = y0;
  for (const [i, s] of series.entries()) {
    // Approximate text width (no layout engine here): generous, so labels never overlap.
    const w = 30 + s.length * 7.6;
    if (x + w > x0 + width) {
      x = x0;
      y += 16;
    }
    parts.push(`<rect x="${x.toFixed(1)}" y="${y - 9}" width="12" height="12" fill="${colors?.[i] ?? PALETTE[i % PALETTE.length]}"/>`);
    parts.push(`<text x="${(x + 16).toFixed(1)}" y="${y + 1}" fill="#222">${escapeXml(s)}</text>`);
    x += w;
  }
  return parts.join("\n");
}

export interface CdfSeries {
  name: string;
  /** Default: the palette colour of the series' position. */
  color?: string;
  points: { x: number; y: number }[];
}

export interface CdfInput {
  title: string;
  xLabel: string;
  series: CdfSeries[];
  width?: number;
  height?: number;
  /** Logarithmic x axis (default true: latencies of different datapaths differ by decades). */
  log?: boolean;
}

export function cdfSvg(input: CdfInput): string {
  const width = input.width ?? 760;
  const height = input.height ?? 340;
  const m = { top: 44, right: 16, bottom: 70, left: 56 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const xs = input.series.flatMap((s) => s.points.map((p) => p.x)).filter((v) => Number.isFinite(v));
  const useLog = (input.log ?? true) && xs.length > 0 && xs.every((v) => v > 0);
  const maxX = xs.length ? Math.max(...xs) : 1;
  const minX = xs.length ? Math.min(...xs) : 0;
  const ticks = useLog ? logTicks(minX, maxX) : linearTicks(maxX || 1);
  const left = useLog ? ticks[0]! : 0;
  const right = ticks[ticks.length - 1]!;
  const x = (v: number): number =>
    useLog
      ? m.left + ((Math.log10(Math.max(v, left)) - Math.log10(left)) / (Math.log10(right) - Math.log10(left))) * plotW
      : m.left + (v / right) * plotW;
  const y = (f: number): number => m.top + plotH - f * plotH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  out.push(`<text x="${m.left}" y="20" font-size="15" font-weight="600">${escapeXml(input.title)}</text>`);
  for (const f of [0, 0.25, 0.5, 0.75, 0.9, 0.99, 1]) {
    const fy = y(f).toFixed(1);
    out.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${fy}" y2="${fy}" stroke="#e3e3e3"/>`);
    if (f !== 0.99) out.push(`<text x="${m.left - 6}" y="${fy}" text-anchor="end" dominant-baseline="middle" fill="#444">${f}</text>`);
  }
  for (const t of ticks) {
    const tx = x(t).toFixed(1);
    out.push(`<line x1="${tx}" x2="${tx}" y1="${m.top}" y2="${m.top + plotH}" stroke="#eee"/>`);
    out.push(`<text x="${tx}" y="${m.top + plotH + 16}" text-anchor="middle" fill="#444">${escapeXml(formatNumber(t))}</text>`);
  }
  out.push(`<text x="${m.left + plotW / 2}" y="${m.top + plotH + 34}" text-anchor="middle" fill="#444">${escapeXml(input.xLabel)}${useLog ? " (log scale)" : ""}</text>`);
  out.push(`<text transform="translate(14 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#444">fraction ≤ x</text>`);
  out.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  input.series.forEach((s, i) => {
    if (s.points.length === 0) return;
    // A step function: horizontal to the next x, then up.
    let d = `M${x(s.points[0]!.x).toFixed(1)} ${y(0).toFixed(1)}`;
    let prevY = 0;
    for (const p of s.points) {
      d += `L${x(p.x).toFixed(1)} ${y(prevY).toFixed(1)}L${x(p.x).toFixed(1)} ${y(p.y).toFixed(1)}`;
      prevY = p.y;
    }
    out.push(`<path d="${d}" fill="none" stroke="${s.color ?? PALETTE[i % PALETTE.length]}" stroke-width="2"><title>${escapeXml(s.name)}</title></path>`);
  });
  out.push(legend(input.series.map((s) => s.name), m.left, height - 18, plotW, input.series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]!)));
  out.push(`</svg>`);
  return out.join("\n");
}
