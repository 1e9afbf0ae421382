// Benchmarks: the runs of `vnet bench dataplane` found in the server's data directory, newest
// first, and for the selected run (#/bench?run=ID, else the newest) its machine and its plots.
// The plots are the SVG files the bench wrote, drawn by the same code as its reports, embedded
// as images from the API. Nothing here is live: runs change only when someone runs the bench.
import type { Static } from "@sinclair/typebox";
import type * as Schemas from "../../src/api/schemas";
import { api, ApiError } from "./api";
import { clear, h } from "./dom";

type RunListing = Static<typeof Schemas.BenchRunListing>;
type RunDetail = Static<typeof Schemas.BenchRun>;

const HOW_TO = "vnet bench dataplane --quick";

/** "2026-11-26T14:00:00.000Z" → "2026-11-26 14:00 UTC": runs are named in UTC too. */
export function runDate(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

/** 3725 → "1 h 2 min", 95 → "1 min 35 s", undefined (still running, or cut short) → "–". */
export function duration(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return "–";
  const t = Math.round(s);
  if (t >= 3600) return `${Math.floor(t / 3600)} h ${Math.round((t % 3600) / 60)} min`;
  if (t >= 60) return `${Math.floor(t / 60)} min ${t % 60} s`;
  return `${t} s`;
}

function statusChip(status: string): HTMLElement {
  const cls = status === "done" ? "running" : status === "running" ? "" : "error";
  return h("span", { class: `state ${cls}`.trim() }, status);
}

function emptyState(): HTMLElement {
  return h(
    "div",
    { class: "card bench-empty", id: "bench-empty" },
    h("h2", {}, "No benchmark runs yet"),
    h("p", {}, "Compare Linux bridge and Open vSwitch on this host: run ", h("code", {}, HOW_TO), " (a few minutes; the full run takes longer, without ", h("code", {}, "--quick"), ")."),
    h("p", { class: "muted" }, "Use the server's data directory (", h("code", {}, "--data-dir"), " or ", h("code", {}, "$VNET_DATA_DIR"), "), then come back to this page."),
  );
}

function runsTable(runs: RunListing[], selected: string): HTMLElement {
  const body = runs.map((r) =>
    h(
      "tr",
      { class: r.id === selected ? "selected" : undefined, "data-run": r.id },
      h("td", {}, h("a", { href: `#/bench?run=${encodeURIComponent(r.id)}` }, runDate(r.startedAt)), r.quick ? h("span", { class: "tag" }, "quick") : null),
      h("td", {}, statusChip(r.status)),
      h("td", { class: "num" }, duration(r.durationS)),
      h("td", {}, `${r.scenarios.length} × ${r.backends.length}`, h("div", { class: "muted small" }, `${r.scenarios.join(", ")} × ${r.backends.join(", ")}`)),
      h("td", { class: "num" }, r.failedCases > 0 ? h("span", { class: "bad-count" }, `${r.failedCases} of ${r.cases}`) : `0 of ${r.cases}`),
    ),
  );
  return h(
    "div",
    { class: "card list" },
    h("h2", {}, "Runs"),
    h(
      "table",
      { class: "grid", id: "bench-runs" },
      h("thead", {}, h("tr", {}, h("th", {}, "date"), h("th", {}, "status"), h("th", { class: "num" }, "duration"), h("th", {}, "scenarios × backends"), h("th", { class: "num" }, "failed cases"))),
      h("tbody", {}, ...body),
    ),
  );
}

function runDetail(run: RunDetail): HTMLElement {
  const plots = run.plots.map((p) =>
    h(
      "figure",
      { class: "plot", "data-plot": p.name },
      h("figcaption", {}, p.title),
      h("img", { src: p.url, alt: p.title, width: 760, height: 360 }),
    ),
  );
  return h(
    "section",
    { class: "card bench-run", id: "bench-run", "data-run": run.id },
    h("h2", {}, `Run ${run.id}`),
    h("p", { class: "machine", id: "bench-machine" }, run.machine, run.loadAverage.length ? h("span", { class: "muted" }, ` · load ${run.loadAverage.map((l) => l.toFixed(2)).join(" ")} at start`) : null),
    h("p", { class: "muted" }, h("code", {}, run.command)),
    ...run.notes.map((n) => h("p", { class: "muted small" }, n)),
    plots.length ? h("div", { class: "plots", id: "bench-plots" }, ...plots) : h("p", { class: "muted" }, "This run has no plots (yet): nothing was measured."),
  );
}

export function mountBench(root: HTMLElement, query: URLSearchParams): () => void {
  let gone = false;
  const view = h("div", { class: "bench" }, h("p", { class: "muted" }, "Loading…"));
  root.append(view);
  const fail = (err: unknown) => {
    if (gone) return;
    clear(view);
    view.append(h("p", { class: "error", role: "alert" }, err instanceof ApiError ? err.message : String(err)));
  };
  api<RunListing[]>("GET", "/api/bench/runs").then((runs) => {
    if (gone) return;
    clear(view);
    if (runs.length === 0) {
      view.append(emptyState());
      return;
    }
    const wanted = query.get("run");
    const selected = runs.find((r) => r.id === wanted)?.id ?? runs[0]!.id;
    const detail = h("div", {}, h("p", { class: "muted" }, "Loading the run…"));
    view.append(runsTable(runs, selected), detail);
    api<RunDetail>("GET", `/api/bench/runs/${encodeURIComponent(selected)}`).then((run) => {
      if (gone) return;
      clear(detail);
      detail.append(runDetail(run));
    }, (err: unknown) => {
      if (gone) return;
      clear(detail);
      detail.append(h("p", { class: "error", role: "alert" }, err instanceof ApiError ? err.message : String(err)));
    });
  }, fail);
  return () => {
    gone = true;
  };
}
