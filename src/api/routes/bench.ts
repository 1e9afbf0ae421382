// Read-only access to `vnet bench dataplane`'s results directory (<data-dir>/bench/<run-id>/), for
// the dashboard's Benchmarks page. Admins and tenants may read: runs hold no tenant data. The
// files are reached only through the bench's own read API (src/bench/dataplane/results.ts), and
// a plot only by a name that API lists, so no request names a path.
import type { Static } from "@sinclair/typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { listPlots, listRuns, plots, readArtifact, readRun, ResultsError, type RunRecord } from "../../bench/dataplane/index";
import { requirePrincipal } from "../auth";
import { ApiError, notFound } from "../errors";
import { BenchPlotParams, BenchRun, BenchRunListing, BenchRunParams, errorResponses } from "../schemas";

export interface BenchRoutesOptions {
  /** The server's data directory; without one there are no runs. */
  dataDir: string | undefined;
}

function readOrThrow(dataDir: string | undefined, id: string): RunRecord {
  let run: RunRecord | undefined;
  try {
    run = dataDir === undefined ? undefined : readRun(dataDir, id);
  } catch (err) {
    if (err instanceof ResultsError) throw new ApiError(400, "bad_request", err.message);
    throw err;
  }
  if (!run) throw notFound("benchmark run", id);
  return run;
}

export const plotUrl = (id: string, name: string) => `/api/bench/runs/${encodeURIComponent(id)}/plots/${encodeURIComponent(name)}`;

export async function benchRoutes(app: FastifyInstance, opts: BenchRoutesOptions): Promise<void> {
  const tags = ["bench"];
  const { dataDir } = opts;

  app.get(
    "/api/bench/runs",
    { schema: { tags, summary: "Data-plane benchmark runs, newest first", response: { 200: Type.Array(BenchRunListing), ...errorResponses } } },
    async (request) => {
      requirePrincipal(request);
      return dataDir === undefined ? [] : listRuns(dataDir);
    },
  );

  app.get<{ Params: Static<typeof BenchRunParams> }>(
    "/api/bench/runs/:id",
    { schema: { tags, summary: "One benchmark run: its listing, machine and plots (with titles and URLs)", params: BenchRunParams, response: { 200: BenchRun, ...errorResponses } } },
    async (request) => {
      requirePrincipal(request);
      const { id } = request.params;
      const run = readOrThrow(dataDir, id);
      const listing = listRuns(dataDir!).find((r) => r.id === id);
      if (!listing) throw notFound("benchmark run", id);
      // Titles and order (the report's: bars per metric, then CDFs) come from the same code that
      // drew the files; a file it would not draw today keeps its name and goes last.
      const drawnPlots = plots(run);
      const drawn = drawnPlots.map((p) => p.file);
      const titles = new Map(drawnPlots.map((p) => [p.file, p.title]));
      const rank = (name: string) => (drawn.includes(name) ? drawn.indexOf(name) : drawn.length);
      const names = listPlots(dataDir!, id).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
      return {
        ...listing,
        ...(run.finishedAt !== undefined ? { finishedAt: run.finishedAt } : {}),
        command: run.command,
        loadAverage: run.machine.loadAverage,
        notes: run.notes,
        plots: names.map((name) => ({ name, title: titles.get(name) ?? name.replace(/\.svg$/, ""), url: plotUrl(id, name) })),
      };
    },
  );

  app.get<{ Params: Static<typeof BenchPlotParams> }>(
    "/api/bench/runs/:id/plots/:name",
    {
      schema: {
        tags,
        summary: "One plot of a run (SVG); only names the run lists",
        params: BenchPlotParams,
        response: { 200: Type.String({ description: "image/svg+xml" }), ...errorResponses },
      },
    },
    async (request, reply) => {
      requirePrincipal(request);
      const { id, name } = request.params;
      // listPlots answers [] for a bad id or a run without plots: every other name is a 404.
      if (dataDir === undefined || !listPlots(dataDir, id).includes(name)) throw notFound("plot", `${id}/${name}`);
      let file: ReturnType<typeof readArtifact>;
      try {
        file = readArtifact(dataDir, id, `plots/${name}`);
      } catch (err) {
        if (err instanceof ResultsError) throw notFound("plot", `${id}/${name}`);
        throw err;
      }
      if (!file) throw notFound("plot", `${id}/${name}`);
      // The SVGs are ours, but one opened on its own is a document: forbid scripts in it anyway.
      return reply
        .type(file.contentType)
        .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'")
        .header("x-content-type-options", "nosniff")
        .send(file.content);
    },
  );
}
