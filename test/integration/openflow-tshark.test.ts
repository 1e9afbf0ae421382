// Cross-checks vnet's encoder against an independent dissector: Wireshark's OpenFlow 1.3 dissector
// (tshark) reads a capture of every sample message vnet encodes, and must see the same message
// types, transaction ids and fields, with no malformed packet where the message is well formed.
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { encode, OFPT } from "../../openflow";
import type { OfpMessage } from "../../openflow";
import { samples } from "../unit/openflow/samples";
import { writePcap } from "./openflow-pcap";
import { runTool, runToolFull } from "./openflow-peer";

const hasTshark = (await runToolFull("tshark", ["--version"])).code === 0;

const CODES: Record<string, number> = Object.fromEntries(Object.entries(OFPT).map(([k, v]) => [k.toLowerCase(), v]));

/** Samples tshark flags as malformed though they are valid OpenFlow, and why. */
const DISSECTOR_LIMITS: Record<string, string> = {
  error: "its data is the first 8 bytes of a FLOW_MOD, which tshark tries to dissect whole",
  mp_experimenter_reply: "tshark expects a body it knows for the Nicira experimenter id",
};

describe.skipIf(!hasTshark)("tshark's OpenFlow dissector reads what vnet encodes", () => {
  const dir = mkdtempSync(join(tmpdir(), "of-tshark-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // OpenFlow 1.3 only: tshark dissects the OF1.5 HELLO sample with another dissector.
  const entries = Object.entries(samples).filter(([, m]) => !(m.type === "hello" && m.version !== undefined));

  it("every message: type, xid, not malformed; and the fields of a FLOW_MOD, PACKET_IN, FEATURES_REPLY", async () => {
    const file = join(dir, "samples.pcap");
    writePcap(file, entries.map(([, m]) => encode(m)));
    const fields = [
      "openflow_v4.type", "openflow_v4.xid", "_ws.malformed", "openflow_v4.flowmod.priority", "openflow_v4.flowmod.cookie",
      "openflow_v4.oxm.field", "openflow_v4.action.type", "openflow_v4.action.output.port", "openflow_v4.instruction.type",
      "openflow_v4.switch_features.datapath_id", "openflow_v4.packet_in.reason", "openflow_v4.multipart_request.type",
      "openflow_v4.multipart_reply.type",
    ];
    const out = await runTool("tshark", [
      "-r", file, "-d", "tcp.port==6653,openflow", "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,",
      ...fields.flatMap((f) => ["-e", f]),
    ]);
    const rows = out.trimEnd().split("\n").map((l) => Object.fromEntries(l.split("|").map((v, i) => [fields[i]!, v])));
    expect(rows.length).toBe(entries.length);
    const row = (name: string) => rows[entries.findIndex(([n]) => n === name)]!;
    entries.forEach(([name, msg], i) => {
      const r = rows[i]!;
      // The first type/xid is the message's own (an ERROR's data may hold another header).
      expect(Number(r["openflow_v4.type"]!.split(",")[0]), name).toBe(CODES[msg.type]);
      expect(Number(r["openflow_v4.xid"]!.split(",")[0]), name).toBe(msg.xid);
      if (!(name in DISSECTOR_LIMITS)) expect(r["_ws.malformed"], name).toBe("");
      if (msg.type === "multipart_request") expect(r["openflow_v4.multipart_request.type"], name).not.toBe("");
      if (msg.type === "multipart_reply") expect(r["openflow_v4.multipart_reply.type"], name).not.toBe("");
    });
    const fm = row("flow_mod");
    expect(fm["openflow_v4.flowmod.priority"]).toBe("1000");
    expect(BigInt(fm["openflow_v4.flowmod.cookie"]!)).toBe(0x100000001n);
    // Match: in_port, eth_dst, eth_type, ip_proto, ipv4_src, tcp_dst; then the set_fields' eth_dst, vlan_vid.
    expect(fm["openflow_v4.oxm.field"]).toBe("0,3,5,10,11,14,3,6");
    expect(fm["openflow_v4.action.type"]).toBe("25,17,25,0"); // set_field, push_vlan, set_field, output
    expect(fm["openflow_v4.action.output.port"]).toBe("2");
    expect(fm["openflow_v4.instruction.type"]).toBe("4,2,1"); // apply_actions, write_metadata, goto_table
    expect(row("features_reply")["openflow_v4.switch_features.datapath_id"]).toBe("0x0000525400abcdef");
    const pi = row("packet_in") as Record<string, string>;
    expect(pi["openflow_v4.packet_in.reason"]).toBe("1");
    expect(pi["openflow_v4.oxm.field"]).toBe("0,38"); // in_port, tunnel_id
    // Every action type of the all-actions sample, in order, as tshark reads them.
    const all = row("flow_mod_all_actions")["openflow_v4.action.type"]!.split(",").map(Number);
    const wa = (samples.flow_mod_all_actions as Extract<OfpMessage, { type: "flow_mod" }>).instructions[0] as { actions: { type: string }[] };
    expect(all.length).toBe(wa.actions.length);
  });
});
