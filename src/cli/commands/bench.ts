// `vnet bench dataplane|runs|render`: the Linux bridge vs Open vSwitch data-plane benchmark.
// See docs/benchmarks.md.
import type { Command } from "commander";
import { randomBytes } from "node:crypto";
import { labDown } from "../../lab/lab";
import { listLabs, readState } from "../../lab/state";
import { isAlive } from "../../lab/ovs";
import { BenchOptionError, formatDuration, planCases, planSteps, eta, resolveOptions, type RawBenchFlags } from "../../bench/dataplane/plan";
import { runBench } from "../../bench/dataplane/runner";
import { listRuns, readRun, writeRun, runDir } from "../../bench/dataplane/results";
import { BACKENDS, BACKEND_INFO, SCENARIO_KINDS } from "../../bench/dataplane/types";
import { resolveDataDir } from "./serve";
import { setLogLevel } from "../../log";

/** Benchmark labs whose process died (Ctrl-C twice, kill -9): removed before a new run. */
async function removeOrphanBenchLabs(prefix: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of listLabs()) {
    if (!name.startsWith(prefix)) continue;
    const s = readState(name);
    if (s && s.ownerPid !== process.pid && !isAlive(s.ownerPid)) {
      await labDown(name);
      removed.push(name);
    }
  }
  return removed;
}

/** What `--vm libvirt` and `--guest-kernel` would need and this version does not do yet. */
export function unavailable(flags: RawBenchFlags): string | null {
  if (flags.vm === "libvirt") {
    return "not available yet: --vm libvirt (the same scenarios between QEMU guests) needs the guest image builder (src/vm/image) wired into the benchmark; run with the default netns endpoints";
  }
  if (flags.guestKernel) {
    return "not available yet: --guest-kernel (the comparison inside a Debian guest kernel under QEMU, with the OVS kernel datapath) is not wired into the benchmark; this run would measure only OVS's userspace datapath";
  }
  return null;
}

interface DataplaneFlags extends RawBenchFlags {
  name?: string;
  dataDir?: string;
  json?: boolean;
  dryRun?: boolean;
}

export function register(program: Command): void {
  const bench = program.command("bench").description("benchmarks (data plane: Linux bridge vs Open vSwitch)");
  bench
    .command("dataplane")
    .description("compare veth, Linux bridge, vnet's kernel backend, OVS NORMAL and OVS with vnet's pipeline on lab hosts")
    .option("--quick", "every scenario and backend once, briefly (under 3 minutes)")
    .option("--scenarios <list>", `comma-separated: ${SCENARIO_KINDS.join(", ")}`)
    .option("--backends <list>", `comma-separated: ${BACKENDS.join(", ")}`)
    .option("--pairs <list>", "pair counts of the pairs scenario, e.g. 2,4")
    .option("--repeats <n>", "repeats of every measurement (default 5; --quick 1)")
    .option("--duration <s>", "seconds per iperf3 test (default 3; --quick 1)")
    .option("--streams <n>", "streams of the several-streams TCP test (default 4)")
    .option("--vm <kind>", "endpoints: netns (default) or libvirt")
    .option("--guest-kernel", "run the comparison inside a Debian guest kernel under QEMU")
    .option("--name <prefix>", "lab name prefix, a-z0-9 up to 5 (each case gets its own lab)", "bn")
    .option("--data-dir <dir>", "results go to <dir>/bench/<run-id>/ (default $VNET_DATA_DIR or ./.vnet)")
    .option("--json", "progress and the result as JSON lines on stdout")
    .option("--dry-run", "print the plan and exit")
    .action(async (flags: DataplaneFlags) => {
      const why = unavailable(flags);
      if (why) throw new Error(why);
      const options = resolveOptions(flags);
      const prefix = flags.name ?? "bn";
      if (!/^[a-z][a-z0-9]{0,4}$/.test(prefix)) throw new BenchOptionError(`--name must be a lowercase letter and up to 4 more letters or digits, not "${prefix}"`);
      if (flags.dryRun) {
        const cases = planCases(options);
        for (const c of cases) process.stdout.write(`${c.scenario.id.padEnd(11)} ${BACKEND_INFO[c.backend].label.padEnd(15)} ${c.skip ? `n/a: ${c.skip}` : "run"}\n`);
        process.stdout.write(`about ${formatDuration(eta(planSteps(cases, options), 0, 0))}\n`);
        return;
      }
      if (process.getuid?.() !== 0) throw new Error("the benchmark builds namespaces and bridges: run it as root");
      const dataDir = resolveDataDir(flags.dataDir);
      // The controller and realisers of the "OVS vnet" case log to stdout: keep progress readable.
      setLogLevel(flags.json ? "silent" : "warn");
      // A unique prefix per run, so two runs never share a lab name.
      const labPrefix = `${prefix}${randomBytes(1).toString("hex").replace(/^[0-9]/, "a")}`.slice(0, 6);
      await removeOrphanBenchLabs(prefix);
      const abort = new AbortController();
      let firstSignalAt = 0;
      const onSignal = () => {
        const now = Date.now();
        if (firstSignalAt === 0) {
          firstSignalAt = now;
          process.stderr.write("\nvnet bench: stopping after the current step and removing its lab (Ctrl-C again to leave at once)\n");
          abort.abort();
          return;
        }
        // One Ctrl-C can arrive twice (from the terminal and relayed by tsx): only a later one counts.
        if (now - firstSignalAt > 1000) process.exit(130);
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      try {
        const { run, dir } = await runBench({
          options,
          dataDir,
          labPrefix,
          command: `vnet ${process.argv.slice(2).join(" ")}`,
          signal: abort.signal,
          progress: (line, event) => {
            if (flags.json) process.stdout.write(JSON.stringify(event) + "\n");
            else process.stderr.write(line + "\n");
          },
        });
        if (flags.json) process.stdout.write(JSON.stringify({ type: "result", runId: run.id, dir, status: run.status }) + "\n");
        else process.stdout.write(`${dir}/report.md\n${dir}/report.html\n`);
        if (run.status !== "done") process.exitCode = run.status === "interrupted" ? 130 : 1;
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });

  bench
    .command("runs")
    .description("list the benchmark runs in the data directory")
    .option("--data-dir <dir>", "default $VNET_DATA_DIR or ./.vnet")
    .option("--json", "JSON output")
    .action((flags: { dataDir?: string; json?: boolean }) => {
      const runs = listRuns(resolveDataDir(flags.dataDir));
      if (flags.json) return void process.stdout.write(JSON.stringify(runs, null, 1) + "\n");
      for (const r of runs) {
        process.stdout.write(`${r.id}  ${r.status.padEnd(11)} ${r.durationS !== undefined ? formatDuration(r.durationS).padStart(6) : "     ?"}  ${r.quick ? "quick" : "full "}  ${r.cases} cases${r.failedCases ? ` (${r.failedCases} failed)` : ""}  ${r.machine}\n`);
      }
    });

  bench
    .command("render <runId>")
    .description("rewrite a run's CSVs, reports and plots from its run.json")
    .option("--data-dir <dir>", "default $VNET_DATA_DIR or ./.vnet")
    .action((id: string, flags: { dataDir?: string }) => {
      const dataDir = resolveDataDir(flags.dataDir);
      const run = readRun(dataDir, id);
      if (!run) throw new Error(`no run ${id} in ${runDir(dataDir, id)}`);
      process.stdout.write(`${writeRun(dataDir, run)}\n`);
    });
}
