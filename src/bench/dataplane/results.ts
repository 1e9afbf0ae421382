// The results directory and its read API, for the CLI and the dashboard:
//
//   <data-dir>/bench/<run-id>/run.json        the RunRecord (types.ts): every repeat, every summary
//                            summary.csv      one row per case and metric (median, min, max, p25, p75)
//                            samples.csv      one row per case, repeat and metric
//                            report.md|html   the report; plots/*.svg its charts
//
// Run ids are "YYYYMMDD-HHMMSS-xxxx" (UTC), so they sort by time and are safe in URLs and paths.

import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { renderFiles } from "./report";
import type { BackendId, RunRecord } from "./types";

export const RUN_ID_RE = /^\d{8}-\d{6}-[0-9a-f]{4}$/;

export class ResultsError extends Error {
  override name = "ResultsError";
}

export function benchDir(dataDir: string): string {
  return join(dataDir, "bench");
}

export function newRunId(now: Date, random = randomBytes(2).toString("hex")): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}-${random}`;
}

export function runDir(dataDir: string, id: string): string {
  if (!RUN_ID_RE.test(id)) throw new ResultsError(`bad run id "${id}" (expected YYYYMMDD-HHMMSS-xxxx)`);
  return join(benchDir(dataDir), id);
}

function writeAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/** Writes run.json and every rendered file (called after each case, so a crash keeps what was measured). */
export function writeRun(dataDir: string, run: RunRecord): string {
  const dir = runDir(dataDir, run.id);
  writeAtomic(join(dir, "run.json"), JSON.stringify(run, null, 1) + "\n");
  for (const [file, content] of Object.entries(renderFiles(run))) writeAtomic(join(dir, file), content);
  return dir;
}

/** What a list of runs shows (the dashboard's index page). */
export interface RunListing {
  id: string;
  startedAt: string;
  status: RunRecord["status"];
  durationS?: number;
  quick: boolean;
  vm: RunRecord["options"]["vm"];
  scenarios: string[];
  backends: BackendId[];
  cases: number;
  failedCases: number;
  machine: string;
}

function isRunRecord(x: unknown): x is RunRecord {
  const r = x as Partial<RunRecord> | null;
  return !!r && r.schema === 1 && typeof r.id === "string" && Array.isArray(r.cases) && typeof r.options === "object";
}

/** A run by id; undefined if there is none; ResultsError if its record is unreadable. */
export function readRun(dataDir: string, id: string): RunRecord | undefined {
  const path = join(runDir(dataDir, id), "run.json");
  if (!existsSync(path)) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ResultsError(`run ${id}: run.json is not JSON (${(err as Error).message})`);
  }
  if (!isRunRecord(doc)) throw new ResultsError(`run ${id}: run.json is not a benchmark record`);
  return doc;
}

/** Every readable run, newest first (unreadable directories are skipped, never fatal). */
export function listRuns(dataDir: string): RunListing[] {
  let ids: string[] = [];
  try {
    ids = readdirSync(benchDir(dataDir)).filter((d) => RUN_ID_RE.test(d));
  } catch {
    return [];
  }
  const out: RunListing[] = [];
  for (const id of ids.sort().reverse()) {
    let r: RunRecord | undefined;
    try {
      r = readRun(dataDir, id);
    } catch {
      continue;
    }
    if (!r) continue;
    out.push({
      id: r.id,
      startedAt: r.startedAt,
      status: r.status,
      ...(r.durationS !== undefined ? { durationS: r.durationS } : {}),
      quick: r.options.quick,
      vm: r.options.vm,
      scenarios: [...new Set(r.cases.map((c) => c.scenario))],
      backends: [...new Set(r.cases.map((c) => c.backend))],
      cases: r.cases.length,
      failedCases: r.cases.filter((c) => c.status === "failed").length,
      machine: `${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.kernel}`,
    });
  }
  return out;
}

const ARTIFACT_RE = /^(run\.json|summary\.csv|samples\.csv|report\.md|report\.html|plots\/[a-z0-9_.-]+\.svg)$/;

/** A file of a run (report, CSV, plot) by its relative name; refuses any other path. */
export function readArtifact(dataDir: string, id: string, file: string): { content: string; contentType: string } | undefined {
  if (!ARTIFACT_RE.test(file) || file.includes("..")) throw new ResultsError(`no such artifact "${file}"`);
  const path = join(runDir(dataDir, id), file);
  if (!existsSync(path)) return undefined;
  const ext = file.slice(file.lastIndexOf(".") + 1);
  const contentType = { json: "application/json", csv: "text/csv; charset=utf-8", md: "text/markdown; charset=utf-8", html: "text/html; charset=utf-8", svg: "image/svg+xml" }[ext] ?? "text/plain";
  return { content: readFileSync(path, "utf8"), contentType };
}

/** The plot files of a run (names under plots/), for a page that draws or embeds them. */
export function listPlots(dataDir: string, id: string): string[] {
  try {
    return readdirSync(join(runDir(dataDir, id), "plots")).filter((f) => f.endsWith(".svg")).sort();
  } catch {
    return [];
  }
}
