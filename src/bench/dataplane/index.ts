// `vnet bench dataplane`: the Linux bridge vs Open vSwitch benchmark. See docs/benchmarks.md.
// The dashboard reads runs through results.ts (and may redraw charts with report.ts's `plots`).
export { listRuns, readRun, readArtifact, listPlots, writeRun, runDir, benchDir, RUN_ID_RE, ResultsError, type RunListing } from "./results";
export { plots, renderFiles, summaryCsv, markdownReport, htmlReport, backendColor, PLOTTED_METRICS, type Plot } from "./report";
export { runBench, type RunBenchOptions, type ProgressEvent } from "./runner";
export { resolveOptions, planCases, planSteps, BenchOptionError } from "./plan";
export * from "./types";
