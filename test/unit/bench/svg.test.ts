import { describe, expect, it } from "vitest";
import { cdfSvg, escapeXml, formatNumber, groupedBarsSvg, linearTicks, logTicks } from "../../../src/report/svg";

/** The bars of a chart as [x, y, width, height]. */
function rects(svg: string): number[][] {
  return [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="#[0-9A-Fa-f]{6}"><title>/g)].map((m) => m.slice(1).map(Number));
}

describe("SVG charts", () => {
  it("ticks: nice linear steps covering the maximum; decades for log", () => {
    expect(linearTicks(9.3)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(linearTicks(0.42)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(linearTicks(0)).toEqual([0, 1]);
    expect(logTicks(0.05, 19)).toEqual([0.01, 0.1, 1, 10, 100]);
  });

  it("bar heights are proportional to the values on a linear axis", () => {
    const svg = groupedBarsSvg({ title: "t", yLabel: "Gbit/s", groups: ["a"], series: ["x", "y"], values: [[{ value: 8 }, { value: 4 }]] });
    const [x, y] = rects(svg);
    expect(x![3]! / y![3]!).toBeCloseTo(2, 1);
    expect(x![1]!).toBeLessThan(y![1]!); // the taller bar starts higher
  });

  it("a log axis keeps a 20× smaller bar visible and says so", () => {
    const svg = groupedBarsSvg({ title: "t", yLabel: "Gbit/s", groups: ["a"], series: ["kernel", "ovs"], values: [[{ value: 20 }, { value: 1 }]], log: true });
    const [k, o] = rects(svg);
    expect(o![3]!).toBeGreaterThan(k![3]! / 4);
    expect(svg).toContain("(log scale)");
  });

  it("whiskers, labels, missing cells, legend and escaping", () => {
    const svg = groupedBarsSvg({
      title: "A & B",
      yLabel: "ms",
      groups: ["g<1>"],
      series: ["s1", "s2", "s3"],
      values: [[{ value: 2, lo: 1, hi: 3 }, null, "failed"]],
      colors: ["#112233", "#445566", "#778899"],
    });
    expect(svg).toContain("A &amp; B");
    expect(svg).toContain("g&lt;1&gt;");
    expect(svg).toMatch(/<path d="M[\d.]+ [\d.]+V[\d.]+/); // the whisker
    expect(svg).toContain(">n/a<");
    expect(svg).toContain(">failed<");
    expect(svg).toContain('fill="#112233"');
    expect(svg.match(/<rect x="[\d.]+" y="[\d.]+" width="12" height="12"/g)).toHaveLength(3); // legend swatches
  });

  it("CDF: one step line per series, ending at the top of the plot", () => {
    const svg = cdfSvg({
      title: "ping",
      xLabel: "ms",
      series: [
        { name: "a", points: [{ x: 0.1, y: 0.5 }, { x: 0.2, y: 1 }] },
        { name: "b", color: "#abcdef", points: [{ x: 1, y: 1 }] },
      ],
    });
    const paths = [...svg.matchAll(/<path d="([^"]+)" fill="none" stroke="([^"]+)"/g)];
    expect(paths).toHaveLength(2);
    expect(paths[1]![2]).toBe("#abcdef");
    expect(svg).toContain("(log scale)");
    const lastY = (d: string) => Number(d.trim().split(/[ L]/).pop());
    expect(lastY(paths[0]![1]!)).toBe(44); // y(1) = top margin
  });

  it("formats numbers for labels", () => {
    expect(formatNumber(1234.5)).toBe("1235");
    expect(formatNumber(12.34)).toBe("12.3");
    expect(formatNumber(1.234)).toBe("1.23");
    expect(formatNumber(0.0123)).toBe("0.012");
    expect(formatNumber(NaN)).toBe("n/a");
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });
});
