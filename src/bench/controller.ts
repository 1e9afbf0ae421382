// `npm run bench:controller`: vnet's controller against ovs-testcontroller and os-ken's
// simple_switch_13, under the same load from the project's own emulator (src/bench/emulator),
// side by side in one run.
//
// Each controller runs in its own process; the emulator runs in this one. For each switch count
// it measures latency percentiles (one PACKET_IN in flight per switch) and throughput (every
// switch keeps `window` PACKET_INs with fresh source MACs in flight; median of `rounds` runs),
// with the controller's CPU time per answer. Then it connects 1,000 switches to a fresh
// `vnet controller` process, and to a process running the controller runtime alone, and reads
// their resident memory.
//
//   npm run bench:controller -- [--switches 1,16] [--duration 2] [--rounds 3] [--window 256]
//     [--latency-duration 2] [--memory-switches 1000] [--only vnet,ovs-testcontroller,os-ken,null]
//     [--json FILE]
//
// "null" is a calibration peer that answers without decoding: its figure is a floor for what the
// emulator can drive, so a controller well below it is measured, not the emulator.

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { Fleet } from "./emulator";
import type { LatencyResult } from "./emulator";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Peer {
  name: string;
  available(): string | undefined; // why not, or undefined when it can run
  start(port: number): ChildProcess;
}

const PEERS: Peer[] = [
  {
    name: "vnet",
    available: () => undefined,
    // node --import tsx: one process, so its pid is the controller's (for the memory reading).
    start: (port) =>
      spawn(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), "controller", "--listen", `127.0.0.1:${port}`, "--log-level", "warn"], {
        cwd: root,
        stdio: ["ignore", "ignore", "inherit"],
      }),
  },
  {
    name: "ovs-testcontroller",
    available: () => (existsSync("/usr/bin/ovs-testcontroller") ? undefined : "install openvswitch-testcontroller"),
    start: (port) =>
      spawn("/usr/bin/ovs-testcontroller", ["-O", "OpenFlow13", `--unixctl=/tmp/ct-bench-${process.pid}.ctl`, `ptcp:${port}:127.0.0.1`], {
        stdio: ["ignore", "ignore", "ignore"],
      }),
  },
  {
    name: "os-ken",
    available: () => (existsSync("/usr/bin/osken-manager") ? undefined : "install python3-os-ken"),
    // Debian's python3, which has os_ken (a pyenv python3 on PATH may not). Debian ships os-ken
    // without its sample apps, so the app is our own equivalent of simple_switch_13 (see the
    // file). It logs every PACKET_IN at INFO like the sample; output goes to /dev/null so it
    // never blocks on a pipe.
    start: (port) =>
      spawn(
        "/usr/bin/python3",
        [
          "/usr/bin/osken-manager",
          "--ofp-listen-host",
          "127.0.0.1",
          "--ofp-tcp-listen-port",
          String(port),
          join(root, "src/bench/emulator/peers/osken_learning_switch.py"),
        ],
        { stdio: ["ignore", "ignore", "ignore"] },
      ),
  },
];

/**
 * A calibration peer: answers every PACKET_IN with a canned PACKET_OUT, found by scanning headers
 * (no decoding, no learning). Whatever it reaches is a floor for what the emulator can drive, so
 * it shows whether the emulator bounds a controller's figure.
 */
const NULL_RESPONDER: Peer = {
  name: "null",
  available: () => undefined,
  start: (port) =>
    spawn(process.execPath, ["--import", "tsx", join(root, "src/bench/emulator/peers/null-responder.ts"), String(port)], {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
    }),
};

/**
 * The controller runtime and the learning switch alone, without the rest of the `vnet` CLI (which
 * loads every sub-command's modules at start).
 */
const RUNTIME_ONLY: Peer = {
  name: "vnet runtime alone",
  available: () => undefined,
  start: (port) =>
    spawn(process.execPath, ["--import", "tsx", join(root, "src/bench/emulator/peers/runtime-only.ts"), String(port)], {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, VNET_LOG_LEVEL: "warn" },
    }),
};

interface Row {
  controller: string;
  switches: number;
  throughput: number[]; // answers/s per round
  median: number;
  /** Median CPU time of the controller per answer (µs): less sensitive to a busy machine. */
  cpuUsPerAnswer: number;
  refills: number;
  latency: LatencyResult;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitListening(port: number, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode} before listening`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: "127.0.0.1", port });
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`not listening on ${port} within ${timeoutMs} ms`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

/** CPU seconds (user + system) a process has used, from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

interface MemoryRow {
  process: string;
  switches: number;
  idleMiB: number;
  loadedMiB: number;
}

interface Options {
  switches: number[];
  duration: number;
  rounds: number;
  window: number;
  latencyDuration: number;
  memorySwitches: number;
  only: string[];
  json?: string;
}

async function measure(peer: Peer, opts: Options, rows: Row[]): Promise<void> {
  const port = await freePort();
  const child = peer.start(port);
  child.on("error", (err) => process.stderr.write(`${peer.name}: ${err.message}\n`));
  try {
    await waitListening(port, child);
    for (const n of opts.switches) {
      const fleet = new Fleet(n, "127.0.0.1", port);
      try {
        await fleet.connect();
        await fleet.ready();
        // Latency first: a run right after the throughput rounds would also time the garbage
        // collection of what they allocated.
        const latency = await fleet.latency(opts.latencyDuration * 1000);
        const throughput: number[] = [];
        const cpu: number[] = [];
        let refills = 0;
        for (let r = 0; r < opts.rounds; r++) {
          const t = await fleet.throughput(opts.duration * 1000, opts.window, () => cpuSeconds(child.pid!));
          throughput.push(t.answersPerSec);
          cpu.push(t.cpuUsPerAnswer ?? NaN);
          refills += t.refills;
        }
        const row = {
          controller: peer.name,
          switches: n,
          throughput,
          median: median(throughput),
          cpuUsPerAnswer: median(cpu),
          refills,
          latency,
        };
        rows.push(row);
        process.stderr.write(
          `${peer.name} ${n} switch(es): ${Math.round(row.median)} answers/s (rounds ${throughput.map(Math.round).join(", ")}), ` +
            `${row.cpuUsPerAnswer.toFixed(2)} CPU µs/answer, ` +
            `p50 ${latency.p50Us.toFixed(0)} µs, p99 ${latency.p99Us.toFixed(0)} µs\n`,
        );
      } finally {
        fleet.close();
        await sleep(300);
      }
    }
  } finally {
    await stopChild(child);
  }
}

/**
 * Resident memory of a fresh vnet controller process: idle, then with `count` switches connected
 * and through their handshake (table-miss flow installed). A fresh process, so the heap the
 * throughput rounds grew does not count.
 */
async function measureMemory(peer: Peer, count: number, memory: MemoryRow[]): Promise<void> {
  const port = await freePort();
  const child = peer.start(port);
  try {
    await waitListening(port, child);
    await sleep(500);
    const idleMiB = rssMiB(child.pid!);
    const fleet = new Fleet(count, "127.0.0.1", port, 10_000);
    try {
      await fleet.connect();
      await fleet.ready(500, 60_000);
      await sleep(500);
      const row = { process: peer.name, switches: count, idleMiB, loadedMiB: rssMiB(child.pid!) };
      memory.push(row);
      process.stderr.write(`${peer.name} RSS: ${idleMiB.toFixed(1)} MiB idle, ${row.loadedMiB.toFixed(1)} MiB with ${count} switches\n`);
    } finally {
      fleet.close();
    }
  } finally {
    await stopChild(child);
  }
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

function report(rows: Row[], memory: MemoryRow[], opts: Options): string {
  const lines: string[] = [];
  lines.push(
    `controller benchmark: ${opts.rounds} × ${opts.duration} s throughput rounds (median), window ${opts.window} per switch, ` +
      `${opts.latencyDuration} s latency, 64-byte frames, every PACKET_IN flooded (fresh source MAC, unknown destination)`,
  );
  lines.push("");
  lines.push(
    `${pad("controller", 20)}${pad("switches", 10)}${pad("answers/s", 12)}${pad("CPU µs/ans", 12)}` +
      `${pad("p50 µs", 9)}${pad("p90 µs", 9)}${pad("p99 µs", 9)}refills`,
  );
  for (const r of rows) {
    lines.push(
      `${pad(r.controller, 20)}${pad(String(r.switches), 10)}${pad(String(Math.round(r.median)), 12)}${pad(r.cpuUsPerAnswer.toFixed(2), 12)}` +
        `${pad(r.latency.p50Us.toFixed(0), 9)}${pad(r.latency.p90Us.toFixed(0), 9)}${pad(r.latency.p99Us.toFixed(0), 9)}${r.refills}`,
    );
  }
  lines.push("");
  const find = (c: string, n: number): Row | undefined => rows.find((r) => r.controller === c && r.switches === n);
  for (const n of opts.switches) {
    const v = find("vnet", n);
    if (!v) continue;
    for (const peer of ["ovs-testcontroller", "os-ken"]) {
      const p = find(peer, n);
      if (!p) continue;
      lines.push(
        `vnet / ${peer}, ${n} switch(es): throughput ×${(v.median / p.median).toFixed(2)}, ` +
          `CPU per answer ×${(v.cpuUsPerAnswer / p.cpuUsPerAnswer).toFixed(2)}, ` +
          `p50 latency ×${(v.latency.p50Us / p.latency.p50Us).toFixed(2)} (below 1 is cheaper, faster)`,
      );
    }
  }
  for (const m of memory) {
    lines.push(`${m.process} RSS: ${m.idleMiB.toFixed(1)} MiB idle, ${m.loadedMiB.toFixed(1)} MiB with ${m.switches} connected switches`);
  }
  return lines.join("\n");
}

async function main(argv: string[]): Promise<void> {
  const list = (v: string): string[] => v.split(",").map((s) => s.trim()).filter(Boolean);
  const num = (what: string) => (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`bad ${what} "${v}"`);
    return n;
  };
  const program = new Command("bench:controller")
    .option("--switches <list>", "switch counts to measure", (v) => list(v).map(num("switch count")), [1, 16])
    .option("--duration <seconds>", "length of one throughput round", num("duration"), 2)
    .option("--rounds <n>", "throughput rounds (the median is reported)", num("rounds"), 3)
    .option("--window <n>", "PACKET_INs in flight per switch in throughput mode", num("window"), 256)
    .option("--latency-duration <seconds>", "length of the latency run", num("latency duration"), 2)
    .option("--memory-switches <n>", "switches connected to vnet for the memory reading (0: skip)", (v) => Number(v), 1000)
    .option("--only <list>", "controllers to run (null: the emulator's calibration responder)", list, [...PEERS, NULL_RESPONDER].map((p) => p.name))
    .option("--json <file>", "also write the results as JSON");
  program.parse(argv);
  const opts = program.opts<Options>();
  const rows: Row[] = [];
  const memory: MemoryRow[] = [];
  for (const peer of [...PEERS, NULL_RESPONDER]) {
    if (!opts.only.includes(peer.name)) continue;
    const missing = peer.available();
    if (missing !== undefined) {
      process.stderr.write(`skipping ${peer.name}: ${missing}\n`);
      continue;
    }
    try {
      await measure(peer, opts, rows);
      if (peer.name === "vnet" && opts.memorySwitches > 0) {
        await measureMemory(peer, opts.memorySwitches, memory);
        await measureMemory(RUNTIME_ONLY, opts.memorySwitches, memory);
      }
    } catch (err) {
      process.stderr.write(`${peer.name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  process.stdout.write(`${report(rows, memory, opts)}\n`);
  if (opts.json !== undefined) writeFileSync(opts.json, JSON.stringify({ options: opts, rows, memory }, null, 2));
}

main(process.argv).catch((err: unknown) => {
  process.stderr.write(`bench:controller: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
