// The measurements, run between a topology's endpoint pairs (all pairs at once: throughput sums,
// latency samples pool). Tools: iperf3 (TCP, UDP), busybox ping, a tiny Python request/response
// probe, /proc/stat for CPU. Each returns numbers for the repeat record, or throws a clear error.

import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { tryRun, inNetns } from "../../lab/exec";
import { ParseError, parseIperfTcp, parseIperfUdp, parsePingRtts, parseProcStat, parseRr, type CpuTimes } from "./parse";
import { percentile } from "./stats";
import type { Pair, Topology } from "./topology";
import type { BenchOptions, MetricId } from "./types";

export const IPERF_PORT = 5201;
export const RR_PORT = 5202;
/** Python from the distribution (not a shim): starts fast and is the same on every machine. */
const PYTHON = "/usr/bin/python3";

const RR_SERVER = `
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(64)
def serve(c):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        d = c.recv(64)
        if not d: break
        c.sendall(d)
    c.close()
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
`;

// One byte each way, TCP_NODELAY; the first 20 transactions warm the path and are not counted.
const RR_CLIENT = `
import json, socket, sys, time
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
try:
    c = socket.create_connection((host, port), timeout=3)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    now = time.perf_counter_ns; out = []
    for i in range(n + 20):
        t = now(); c.sendall(b"x")
        if not c.recv(64): raise RuntimeError("server closed the connection")
        if i >= 20: out.append(round((now() - t) / 1000, 1))
    print(json.dumps({"us": out}))
except Exception as e:
    print(json.dumps({"error": str(e)}))
`;

/** The long-lived servers (iperf3, request/response) in every pair's server namespace. */
export class Servers {
  private readonly children: ChildProcess[] = [];

  static async start(pairs: readonly Pair[]): Promise<Servers> {
    const s = new Servers();
    const namespaces = [...new Set(pairs.map((p) => p.server.netns))];
    for (const ns of namespaces) {
      // iperf3 3.12's server sometimes exits after a broken test: a loop brings it back.
      s.spawn(inNetns(ns, ["sh", "-c", `while :; do iperf3 -s -p ${IPERF_PORT} >/dev/null 2>&1; sleep 0.1; done`]));
      s.spawn(inNetns(ns, [PYTHON, "-c", RR_SERVER, String(RR_PORT)]));
    }
    // Wait until both listen in every namespace.
    const end = Date.now() + 5000;
    for (const ns of namespaces) {
      for (;;) {
        const r = await tryRun(inNetns(ns, ["ss", "-Htln"]));
        if (r.stdout.includes(`:${IPERF_PORT}`) && r.stdout.includes(`:${RR_PORT}`)) break;
        if (Date.now() > end) {
          await s.stop();
          throw new Error(`iperf3 or the request/response server did not start in ${ns}`);
        }
        await new Promise((res) => setTimeout(res, 50));
      }
    }
    return s;
  }

  private spawn(argv: string[]): void {
    // Its own process group, so that stopping it also stops what the loop started.
    const child = spawn(argv[0]!, argv.slice(1), { stdio: "ignore", detached: true });
    child.on("error", () => undefined);
    this.children.push(child);
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.splice(0).map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const group = (sig: NodeJS.Signals) => {
              try {
                if (c.pid) process.kill(-c.pid, sig);
              } catch {
                /* already gone */
              }
            };
            c.once("exit", () => {
              group("SIGKILL"); // whatever the loop had started
              resolve();
            });
            group("SIGTERM");
            setTimeout(() => {
              group("SIGKILL");
              resolve();
            }, 1000).unref();
          }),
      ),
    );
  }
}

function readCpu(): CpuTimes {
  return parseProcStat(readFileSync("/proc/stat", "utf8"));
}

/** USER_HZ: /proc/stat counts in these ticks (100 on every Linux build that matters). */
const TICKS_PER_SECOND = 100;

/**
 * One iperf3 client run. A server that is still closing the previous test refuses the next one
 * ("Connection reset", "busy"; "refused" while its loop restarts it): that gets one retry after 0.5 s.
 */
async function iperf(pair: Pair, args: string[], durationS: number): Promise<string> {
  const out = await iperfOnce(pair, args, durationS);
  if (!/Connection reset by peer|Connection refused|server is busy/.test(out)) return out;
  await new Promise((r) => setTimeout(r, 500));
  return iperfOnce(pair, args, durationS);
}

async function iperfOnce(pair: Pair, args: string[], durationS: number): Promise<string> {
  const r = await tryRun(
    inNetns(pair.client.netns, ["iperf3", "-c", pair.server.ip, "-p", String(IPERF_PORT), "-t", String(durationS), "-J", "--connect-timeout", "3000", ...args]),
    { timeoutMs: (durationS + 15) * 1000 },
  );
  if (r.stdout.trim() === "" && r.code !== 0) throw new ParseError(`iperf3 exited ${r.code}: ${r.stderr.trim().slice(0, 200)}`);
  return r.stdout;
}

export interface TcpResult {
  gbps: number;
  /** Busy CPU-seconds of the whole machine per Gbit moved. */
  cpuSecondsPerGbit: number;
}

export async function measureTcp(pairs: readonly Pair[], streams: number, durationS: number): Promise<TcpResult> {
  const before = readCpu();
  const outs = await Promise.all(pairs.map((p) => iperf(p, streams > 1 ? ["-P", String(streams)] : [], durationS)));
  const after = readCpu();
  const results = outs.map(parseIperfTcp);
  const gbps = results.reduce((a, r) => a + r.bitsPerSecond, 0) / 1e9;
  const gbits = results.reduce((a, r) => a + r.bytes * 8, 0) / 1e9;
  const cpuS = (after.busy - before.busy) / TICKS_PER_SECOND;
  return { gbps, cpuSecondsPerGbit: gbits > 0 ? cpuS / gbits : NaN };
}

export async function measureUdp(pairs: readonly Pair[], payload: number, durationS: number): Promise<number> {
  const outs = await Promise.all(pairs.map((p) => iperf(p, ["-u", "-b", "0", "-l", String(payload)], durationS)));
  return outs.map(parseIperfUdp).reduce((a, r) => a + r.packetsPerSecond, 0) / 1000;
}

export async function measurePing(pairs: readonly Pair[], count: number, intervalS: number): Promise<number[]> {
  const outs = await Promise.all(
    pairs.map((p) =>
      tryRun(inNetns(p.client.netns, ["busybox", "ping", "-c", String(count), "-i", String(intervalS), "-W", "1", p.server.ip]), {
        timeoutMs: (count * intervalS + 10) * 1000,
      }),
    ),
  );
  const rtts = outs.flatMap((o) => parsePingRtts(o.stdout));
  if (rtts.length === 0) throw new ParseError(`ping: no replies (${outs[0]?.stdout.trim().split("\n").pop() ?? ""})`);
  return rtts;
}

export async function measureRr(pairs: readonly Pair[], count: number): Promise<number[]> {
  const outs = await Promise.all(
    pairs.map((p) => tryRun(inNetns(p.client.netns, [PYTHON, "-c", RR_CLIENT, p.server.ip, String(RR_PORT), String(count)]), { timeoutMs: 60_000 })),
  );
  return outs.flatMap((o) => parseRr(o.stdout));
}

/**
 * Round-trip time of the first packet of a new flow: learned state is flushed first (FDB or MAC
 * table, megaflow cache, ARP caches), so it includes ARP resolution and any upcall. Pair 0 only.
 */
export async function measureFirstPacket(topo: Topology, tries: number): Promise<number[]> {
  const pair = topo.pairs[0]!;
  const out: number[] = [];
  for (let i = 0; i < tries; i++) {
    await topo.coldReset();
    const r = await tryRun(inNetns(pair.client.netns, ["busybox", "ping", "-c", "1", "-W", "2", pair.server.ip]), { timeoutMs: 5000 });
    const rtt = parsePingRtts(r.stdout)[0];
    if (rtt === undefined) throw new ParseError("first packet: no reply within 2 s");
    out.push(rtt);
  }
  return out;
}

/** Latency metrics of a sample list. */
export function latencyMetrics(pingMs: number[], rrUs: number[]): Partial<Record<MetricId, number>> {
  const m: Partial<Record<MetricId, number>> = {};
  if (pingMs.length) {
    m.ping_p50_ms = percentile(pingMs, 50);
    m.ping_p99_ms = percentile(pingMs, 99);
  }
  if (rrUs.length) {
    m.rr_p50_us = percentile(rrUs, 50);
    m.rr_p99_us = percentile(rrUs, 99);
  }
  return m;
}

export type { BenchOptions };
