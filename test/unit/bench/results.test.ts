import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listPlots, listRuns, newRunId, readArtifact, readRun, runDir, writeRun, ResultsError } from "../../../src/bench/dataplane/results";
import { sampleRun } from "./fixture";

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "bn-results-"));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe("results directory", () => {
  it("run ids sort by time (UTC)", () => {
    expect(newRunId(new Date("2026-11-26T09:05:07Z"), "00ff")).toBe("20261126-090507-00ff");
  });

  it("writes run.json and its rendered files, and reads them back", () => {
    const run = sampleRun();
    const dir = writeRun(dataDir, run);
    expect(dir).toBe(join(dataDir, "bench", run.id));
    expect(readRun(dataDir, run.id)).toEqual(run);
    for (const f of ["summary.csv", "samples.csv", "report.md", "report.html", "plots/bars-tcp1_gbps.svg"]) expect(existsSync(join(dir, f))).toBe(true);
    expect(listPlots(dataDir, run.id)).toContain("bars-tcp1_gbps.svg");
    expect(readArtifact(dataDir, run.id, "plots/bars-tcp1_gbps.svg")).toMatchObject({ contentType: "image/svg+xml" });
    expect(readArtifact(dataDir, run.id, "summary.csv")!.content).toBe(readFileSync(join(dir, "summary.csv"), "utf8"));
  });

  it("lists runs newest first, skipping unreadable ones", () => {
    writeRun(dataDir, sampleRun("20261126-140000-aaaa"));
    writeRun(dataDir, { ...sampleRun("20261126-150000-bbbb"), status: "interrupted" });
    mkdirSync(join(dataDir, "bench", "20261126-160000-cccc"));
    writeFileSync(join(dataDir, "bench", "20261126-160000-cccc", "run.json"), "{not json");
    mkdirSync(join(dataDir, "bench", "not-a-run"));
    const runs = listRuns(dataDir);
    expect(runs.map((r) => [r.id, r.status])).toEqual([
      ["20261126-150000-bbbb", "interrupted"],
      ["20261126-140000-aaaa", "done"],
    ]);
    expect(runs[1]).toMatchObject({ quick: true, vm: "netns", scenarios: ["same-host", "cross-host"], cases: 5, failedCases: 0, machine: "2 × Test CPU, 6.1.0" });
    expect(() => readRun(dataDir, "20261126-160000-cccc")).toThrow(/not JSON/);
  });

  it("an empty or missing data directory has no runs", () => {
    expect(listRuns(join(dataDir, "nothing"))).toEqual([]);
    expect(readRun(dataDir, "20261126-140000-aaaa")).toBeUndefined();
  });

  it("refuses ids and file names that could leave the directory", () => {
    expect(() => runDir(dataDir, "../etc")).toThrow(ResultsError);
    writeRun(dataDir, sampleRun());
    expect(() => readArtifact(dataDir, sampleRun().id, "../../x")).toThrow(/no such artifact/);
    expect(() => readArtifact(dataDir, sampleRun().id, "plots/../run.json")).toThrow(/no such artifact/);
    expect(readArtifact(dataDir, sampleRun().id, "plots/none.svg")).toBeUndefined();
  });
});
