// Parsers for the output of the tools the benchmark runs: iperf3 --json, busybox ping, the
// request/response probe (rr.ts) and /proc/stat. Each returns numbers or throws ParseError with a
// message that names the tool, so a broken run says what broke.

export class ParseError extends Error {
  override name = "ParseError";
}

export interface IperfTcp {
  /** Receiver-side throughput in bits per second (what arrived, not what was sent). */
  bitsPerSecond: number;
  bytes: number;
  seconds: number;
  retransmits: number;
}

export interface IperfUdp {
  /** Datagrams that arrived per second (sent minus lost, over the test's duration). */
  packetsPerSecond: number;
  packets: number;
  lostPackets: number;
  seconds: number;
}

type Json = Record<string, unknown>;

function obj(v: unknown, what: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ParseError(`iperf3: ${what} is missing`);
  return v as Json;
}

function num(o: Json, key: string, what: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ParseError(`iperf3: ${what}.${key} is not a number`);
  return v;
}

function parseIperfJson(text: string): Json {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    const first = text.trim().split("\n")[0] ?? "";
    throw new ParseError(`iperf3: output is not JSON${first ? `: ${first.slice(0, 120)}` : " (empty)"}`);
  }
  const d = obj(doc, "the document");
  if (typeof d.error === "string") throw new ParseError(`iperf3: ${d.error}`);
  return d;
}

export function parseIperfTcp(text: string): IperfTcp {
  const end = obj(parseIperfJson(text).end, "end");
  const received = obj(end.sum_received, "end.sum_received");
  const sent = obj(end.sum_sent, "end.sum_sent");
  return {
    bitsPerSecond: num(received, "bits_per_second", "end.sum_received"),
    bytes: num(received, "bytes", "end.sum_received"),
    seconds: num(received, "seconds", "end.sum_received"),
    retransmits: typeof sent.retransmits === "number" ? sent.retransmits : 0,
  };
}

export function parseIperfUdp(text: string): IperfUdp {
  const sum = obj(obj(parseIperfJson(text).end, "end").sum, "end.sum");
  const packets = num(sum, "packets", "end.sum");
  const lostPackets = num(sum, "lost_packets", "end.sum");
  const seconds = num(sum, "seconds", "end.sum");
  if (seconds <= 0) throw new ParseError("iperf3: end.sum.seconds is not positive");
  return { packets, lostPackets, seconds, packetsPerSecond: Math.max(0, packets - lostPackets) / seconds };
}

/** Round-trip times in ms of every reply a (busybox or iputils) ping printed, in order. */
export function parsePingRtts(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/bytes from .*?time[=<]([\d.]+) ?ms/g)) out.push(Number(m[1]));
  return out;
}

/** Packets sent and received from ping's summary line; undefined if it printed none. */
export function parsePingSummary(text: string): { transmitted: number; received: number } | undefined {
  const m = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(text);
  return m ? { transmitted: Number(m[1]), received: Number(m[2]) } : undefined;
}

/** The request/response probe prints one JSON line: {"us":[...]} or {"error":"..."}. */
export function parseRr(text: string): number[] {
  const line = text.trim().split("\n").pop() ?? "";
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    throw new ParseError(`request/response probe: output is not JSON${line ? `: ${line.slice(0, 120)}` : " (empty)"}`);
  }
  const d = doc as { us?: unknown; error?: unknown };
  if (typeof d.error === "string") throw new ParseError(`request/response probe: ${d.error}`);
  if (!Array.isArray(d.us) || d.us.some((x) => typeof x !== "number")) throw new ParseError("request/response probe: no samples");
  return d.us as number[];
}

export interface CpuTimes {
  /** Jiffies spent doing anything but idle and iowait, summed over all CPUs. */
  busy: number;
  total: number;
}

/** The aggregate "cpu" line of /proc/stat. */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split("\n").find((l) => /^cpu\s/.test(l));
  if (!line) throw new ParseError("/proc/stat: no aggregate cpu line");
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 4 || f.some((x) => !Number.isFinite(x))) throw new ParseError("/proc/stat: bad cpu line");
  // user nice system idle iowait irq softirq steal (guest and guest_nice are inside user already)
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = f[3]! + (f[4] ?? 0);
  return { busy: total - idle, total };
}

/** Lines of `ovs-ofctl dump-flows` / `ovs-appctl dpctl/dump-flows` that are flows. */
export function countOfctlFlows(text: string): number {
  return text.split("\n").filter((l) => /\bactions=/.test(l) || /\bactions:/.test(l)).length;
}
