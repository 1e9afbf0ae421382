// `npm run bench:codec`: messages per second on one core for vnet's OpenFlow codec and, in the same
// run on the same messages, os-ken's Python codec (Debian python3-os-ken):
//   - decoding a PACKET_IN carrying a 64-byte frame (the bytes os-ken lays out, decoded by both),
//   - encoding a FLOW_MOD with 4 match fields and 3 actions: once built (what a controller does with
//     flows it has computed), and with building the message objects included (as os-ken is timed),
//   - decoding a FLOW multipart reply with 1,000 entries (64 bytes each: the most one message holds).
// Usage: tsx src/bench/codec.ts [--seconds N] [--json] [--no-osken]
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { decode, encode, OFP_NO_BUFFER, OFPFC, OFPG, OFPP } from "../../openflow";
import type { FlowStats, OfpMessage } from "../../openflow";

interface Rates {
  packet_in_decode: number;
  flow_mod_encode: number;
  flow_mod_build_encode: number;
  flow_reply_1000_decode: number;
}

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf("--seconds") + 1]) || 2;
const asJson = args.includes("--json");
const withOsken = !args.includes("--no-osken");

let sink: unknown;

/** CPU seconds this process has used (user + system). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Calls per CPU-second of fn: the best of 5 slices of secs/5 of CPU time each, after a warm-up.
 * The machine is shared, so time is counted on the process's own CPU clock (time spent waiting for
 * a core does not count), and the best slice is the closest to what one free core does.
 */
function rate(fn: () => unknown, secs: number, batch = 1000): number {
  for (let i = 0; i < Math.max(20, batch * 20); i++) sink = fn();
  let best = 0;
  for (let slice = 0; slice < 5; slice++) {
    let n = 0;
    const start = cpuSeconds();
    for (;;) {
      for (let i = 0; i < batch; i++) sink = fn();
      n += batch;
      const used = cpuSeconds() - start;
      if (used >= secs / 5) {
        best = Math.max(best, n / used);
        break;
      }
    }
  }
  return best;
}

function flowMod(xid: number): OfpMessage {
  return {
    type: "flow_mod", xid, cookie: 0x1234n, cookieMask: 0n, tableId: 0, command: OFPFC.ADD, idleTimeout: 0, hardTimeout: 0,
    priority: 100, bufferId: OFP_NO_BUFFER, outPort: OFPP.ANY, outGroup: OFPG.ANY, flags: 0,
    match: { in_port: 1, eth_type: 0x0800, eth_dst: "52:54:00:00:00:01", ipv4_dst: "192.0.2.1" },
    instructions: [{
      type: "apply_actions",
      actions: [{ type: "set_field", field: "eth_dst", value: "52:54:00:00:00:02" }, { type: "dec_nw_ttl" }, { type: "output", port: 2 }],
    }],
  };
}

function flowReply(): Buffer {
  const flows: FlowStats[] = [];
  for (let i = 0; i < 1000; i++) {
    flows.push({
      tableId: 0, durationSec: i, durationNsec: 0, priority: 100, idleTimeout: 0, hardTimeout: 0, flags: 0, cookie: BigInt(i),
      packetCount: BigInt(i), byteCount: BigInt(i * 100), match: { in_port: i + 1 }, instructions: [],
    });
  }
  return encode({ type: "multipart_reply", xid: 6, flags: 0, kind: "flow", flows });
}

function runOsken(secs: number): Promise<(Rates & { packet_in_bytes: string; flow_reply_len: number }) | { error: string }> {
  const script = join(dirname(fileURLToPath(import.meta.url)), "../../scripts/bench/osken_codec.py");
  return new Promise((resolve) => {
    execFile("/usr/bin/python3", [script, String(secs)], { timeout: 300_000 }, (err, stdout, stderr) => {
      if (err) resolve({ error: (stderr || err.message).trim().split("\n").pop()! });
      else resolve(JSON.parse(stdout));
    });
  });
}

async function main(): Promise<void> {
  // os-ken runs first, alone, so the two do not share the core.
  const osken = withOsken ? await runOsken(seconds) : { error: "skipped (--no-osken)" };
  const packetIn =
    "packet_in_bytes" in osken
      ? Buffer.from(osken.packet_in_bytes, "hex")
      : encode({ type: "packet_in", xid: 5, bufferId: OFP_NO_BUFFER, totalLen: 64, reason: 0, tableId: 0, cookie: 0n, match: { in_port: 3 }, data: Buffer.alloc(64) });
  const pi = decode(packetIn);
  if (pi.type !== "packet_in" || pi.data.length !== 64 || pi.match.in_port !== 3) throw new Error("the PACKET_IN does not decode as expected");
  const reply = flowReply();
  if ("flow_reply_len" in osken && osken.flow_reply_len !== reply.length) {
    throw new Error(`vnet's flow reply is ${reply.length} bytes, os-ken's ${osken.flow_reply_len}: not the same message`);
  }
  let xid = 0;
  const built = flowMod(1);
  const vnet: Rates = {
    packet_in_decode: rate(() => decode(packetIn), seconds),
    flow_mod_encode: rate(() => encode(built), seconds),
    flow_mod_build_encode: rate(() => encode(flowMod(++xid)), seconds),
    flow_reply_1000_decode: rate(() => decode(reply), seconds, 1),
  };
  void sink;
  if (asJson) {
    process.stdout.write(JSON.stringify({ vnet, osken }) + "\n");
    return;
  }
  const rows: [string, keyof Rates][] = [
    ["PACKET_IN decode (64-byte frame)", "packet_in_decode"],
    ["FLOW_MOD encode (4 fields, 3 actions)", "flow_mod_encode"],
    ["FLOW_MOD build + encode", "flow_mod_build_encode"],
    ["FLOW reply decode (1,000 entries)", "flow_reply_1000_decode"],
  ];
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US").padStart(12);
  const lines = [
    `OpenFlow 1.3 codec, messages per CPU-second on one core (best of 5 slices of ${seconds / 5} s per case, node ${process.version})`,
    `${"case".padEnd(40)}${"vnet".padStart(12)}${"os-ken".padStart(12)}${"ratio".padStart(9)}`,
  ];
  for (const [label, key] of rows) {
    const o = "error" in osken ? undefined : osken[key];
    lines.push(`${label.padEnd(40)}${fmt(vnet[key])}${o === undefined ? "           -" : fmt(o)}${o ? `${(vnet[key] / o).toFixed(1).padStart(8)}x` : ""}`);
  }
  if ("error" in osken) lines.push(`os-ken: ${osken.error}`);
  lines.push(`targets: PACKET_IN decode >= 3,000,000/s, FLOW_MOD encode >= 1,500,000/s`);
  process.stdout.write(lines.join("\n") + "\n");
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:codec: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
