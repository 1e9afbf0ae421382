// `vnet ofp-print`: decodes OpenFlow 1.3 messages given as hex (like `ovs-ofctl ofp-print`) or
// found in a packet capture (--pcap), and prints them as text or, with --json, one JSON object
// per line. Bad bytes are reported with the codec's error and offset; the command goes on.
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { decode, Framer, OfpDecodeError } from "../../../openflow";
import { describe, toJson } from "../ofp-print/print";
import { PcapError, tcpStreams } from "../ofp-print/pcap";

interface Flags {
  pcap?: string;
  json?: boolean;
  port: string[];
}

/** Hex text to bytes: spaces, newlines, colons and a 0x prefix are allowed. */
export function hexToBytes(text: string): Buffer {
  const clean = text.replace(/0x/gi, "").replace(/[\s:]/g, "");
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`not hex bytes: "${text.slice(0, 40)}${text.length > 40 ? "..." : ""}"`);
  return Buffer.from(clean, "hex");
}

/** Every message in a byte stream, or the decode error where the stream goes wrong. */
export function printStream(bytes: Buffer, opts: { json?: boolean; label?: string }, out: (line: string) => void): number {
  const framer = new Framer();
  let bad = 0;
  let frames: Buffer[];
  try {
    frames = framer.push(bytes);
  } catch (err) {
    out(`${opts.label ? opts.label + ": " : ""}${(err as Error).message}`);
    return 1;
  }
  for (const f of frames) {
    try {
      const m = decode(f);
      if (opts.json) out(JSON.stringify(opts.label ? { stream: opts.label, ...(toJson(m) as object) } : toJson(m)));
      else out((opts.label ? `${opts.label}: ` : "") + describe(m));
    } catch (err) {
      if (!(err instanceof OfpDecodeError)) throw err;
      bad++;
      if (opts.json) out(JSON.stringify({ error: err.message, offset: err.offset, hex: f.toString("hex") }));
      else out(`***decode error: ${err.message}***\n${f.toString("hex")}`);
    }
  }
  if (framer.buffered > 0) {
    bad++;
    out(opts.json ? JSON.stringify({ error: `${framer.buffered} trailing bytes do not make a whole message` }) : `(${framer.buffered} trailing bytes do not make a whole message)`);
  }
  return bad;
}

/** Why a capture printed nothing: no TCP stream on the chosen ports, and the ports it does have. */
export function noStreamMessage(file: string, chosen: string[], streams: ReadonlyArray<{ srcPort: number; dstPort: number }>): string {
  const seen = [...new Set(streams.map((s) => Math.min(s.srcPort, s.dstPort)))].sort((a, b) => a - b);
  const where = `no TCP stream on port ${chosen.join(" or ")} in ${file}`;
  if (seen.length === 0) return `${where} (it holds no TCP data at all)`;
  return `${where}; it has TCP streams on port ${seen.slice(0, 10).join(", ")}${seen.length > 10 ? ", ..." : ""} (choose with --port)`;
}

export function register(program: Command): void {
  program
    .command("ofp-print")
    .description("decode OpenFlow 1.3 messages from hex (like ovs-ofctl ofp-print) or from a pcap capture")
    .argument("[hex...]", "message bytes in hex (several messages may follow each other); none: read hex from stdin")
    .option("--pcap <file>", "read messages from the TCP streams of a pcap capture")
    .option("--port <port...>", "with --pcap: OpenFlow TCP ports", ["6653", "6633"])
    .option("--json", "one JSON object per message")
    .action((hex: string[], flags: Flags) => {
      const out = (line: string) => process.stdout.write(line + "\n");
      let bad = 0;
      if (flags.pcap) {
        let streams;
        try {
          streams = tcpStreams(readFileSync(flags.pcap));
        } catch (err) {
          if (err instanceof PcapError) throw new Error(`${flags.pcap}: ${err.message}`);
          const code = (err as NodeJS.ErrnoException).code;
          if (code === "ENOENT" || code === "EACCES" || code === "EISDIR") throw new Error(`cannot read ${flags.pcap}: ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : "it is a directory"}`);
          throw err;
        }
        const ports = new Set(flags.port.map(Number));
        const badPort = flags.port.find((p) => !/^\d+$/.test(p) || Number(p) > 65535);
        if (badPort !== undefined) throw new Error(`--port must be a TCP port number (got "${badPort}")`);
        const chosen = streams.filter((s) => ports.has(s.srcPort) || ports.has(s.dstPort));
        // Nothing printed and nothing said would look like "no OpenFlow here": name what is there.
        if (chosen.length === 0) throw new Error(noStreamMessage(flags.pcap, flags.port, streams));
        for (const s of chosen) bad += printStream(s.data, { json: flags.json, label: s.id }, out);
      } else {
        const text = hex.length ? hex.join("") : readFileSync(0, "utf8");
        bad += printStream(hexToBytes(text), { json: flags.json }, out);
      }
      if (bad) process.exitCode = 1;
    });
}
