// Cross-checks the codec against Open vSwitch's own OpenFlow library, through ovs-ofctl:
// - ovs-ofctl add-flows talks to a switch that is really vnet's codec: the FLOW_MODs it sends must
//   equal what vnet's text parser makes of the same lines;
// - ovs-ofctl dump-flows reads flow-stats replies that vnet encoded: every line it prints must equal
//   vnet's formatFlow of the same entry (also over several REPLY_MORE replies);
// - ovs-ofctl ofp-print reads every sample message vnet encodes to the same meaning.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decode, encode, flowModFromText, formatFlow, formatInstructions, formatMatch } from "../../openflow";
import type { FlowMod, FlowStats, OfpMessage } from "../../openflow";
import { samples } from "../unit/openflow/samples";
import { FLOW_LINES } from "./openflow-flows";
import { runTool, runToolFull, startFakeSwitch } from "./openflow-peer";
import type { FakeSwitch } from "./openflow-peer";

const hasOvsOfctl = (await runToolFull("ovs-ofctl", ["--version"])).code === 0;

/** Plain JSON with bigints and bytes spelled out, match keys sorted: equal meaning, equal text. */
function canon(m: OfpMessage): string {
  const sorted = { ...m, ...("match" in m ? { match: Object.fromEntries(Object.entries(m.match).sort()) } : {}) };
  return JSON.stringify(sorted, (_k, v) =>
    typeof v === "bigint" ? `${v}n` : v && typeof v === "object" && v.type === "Buffer" ? Buffer.from(v.data).toString("hex") : v,
  );
}

describe.skipIf(!hasOvsOfctl)("ovs-ofctl against vnet's codec", () => {
  let sw: FakeSwitch;
  let dir: string;
  beforeAll(async () => {
    sw = await startFakeSwitch();
    dir = mkdtempSync(join(tmpdir(), "of-ofctl-"));
  });
  afterAll(async () => {
    await sw?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("add-flows sends, for every line, the FLOW_MOD that vnet parses from it", async () => {
    const file = join(dir, "flows.txt");
    writeFileSync(file, FLOW_LINES.join("\n") + "\n");
    sw.received.length = 0;
    await runTool("ovs-ofctl", ["-O", "OpenFlow13", "add-flows", sw.target, file]);
    const mods = sw.received.map((b) => decode(b)).filter((m): m is FlowMod => m.type === "flow_mod");
    expect(mods.length).toBe(FLOW_LINES.length);
    for (let i = 0; i < FLOW_LINES.length; i++) {
      const mine = flowModFromText(FLOW_LINES[i]!, { xid: mods[i]!.xid });
      expect(canon(mine), FLOW_LINES[i]).toBe(canon(mods[i]!));
    }
  });

  it("dump-flows prints vnet-encoded flow stats exactly as formatFlow does, across REPLY_MORE parts", async () => {
    const base = FLOW_LINES.map((l) => flowModFromText(l));
    // 3 x the lines: the fake switch sends 50 entries per reply, so this spans several replies.
    sw.flows = [...base, ...base, ...base].map((m, i): FlowStats => ({
      tableId: m.tableId, durationSec: i, durationNsec: (i * 7919) % 1_000_000_000, priority: m.priority,
      idleTimeout: m.idleTimeout, hardTimeout: m.hardTimeout, flags: m.flags, cookie: m.cookie + BigInt(i),
      packetCount: BigInt(i * 10), byteCount: BigInt(i) * 1_000_000_000_000n, match: m.match, instructions: m.instructions,
    }));
    const r = await runToolFull("ovs-ofctl", ["-O", "OpenFlow13", "dump-flows", sw.target]);
    expect(r.stderr).toBe("");
    const printed = r.stdout.split("\n").filter((l) => l.startsWith(" ")).map((l) => l.slice(1));
    expect(printed.length).toBe(sw.flows.length);
    for (let i = 0; i < printed.length; i++) expect(formatFlow(sw.flows[i]!)).toBe(printed[i]);
  });

  it("ofp-print shows vnet-encoded FLOW_MODs with the match and actions vnet's text shows", async () => {
    for (const line of FLOW_LINES) {
      const fm = flowModFromText(line, { xid: 1 });
      const out = await runTool("ovs-ofctl", ["-O", "OpenFlow13", "ofp-print", encode(fm).toString("hex")]);
      const first = out.split("\n")[0]!;
      expect(first, line).not.toContain("decode error");
      // "...: ADD table:5 priority=27,ip,nw_src=... [cookie:..] ... actions=drop"
      const m = /: ADD (?:table:\d+ )?(\S+)/.exec(first);
      expect(m, first).not.toBeNull();
      expect(m![1], line).toBe(formatMatch(fm.match, fm.priority) || "priority=32768");
      expect(first.slice(first.indexOf(" actions=") + 9), line).toBe(formatInstructions(fm.instructions));
    }
  });

  // What ovs-ofctl ofp-print must show for each sample vnet encodes (hand-read from the samples).
  const expected: Record<string, string[]> = {
    hello_bitmap: ["OFPT_HELLO (OF1.3) (xid=0x2)", "version bitmap: 0x01, 0x04"],
    hello_v6: ["OFPT_HELLO (OF1.5) (xid=0x3)", "version bitmap: 0x04, 0x05, 0x06"],
    error: ["OFPT_ERROR (OF1.3) (xid=0x4): OFPBMC_BAD_PREREQ", "OFPT_FLOW_MOD (OF1.3) (xid=0xa)"],
    echo_request: ["OFPT_ECHO_REQUEST (OF1.3) (xid=0x6): 4 bytes of payload"],
    features_reply: ["OFPT_FEATURES_REPLY (OF1.3) (xid=0x8): dpid:0000525400abcdef", "n_tables:254, n_buffers:0", "FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS"],
    get_config_reply: ["frags=normal miss_send_len=128"],
    set_config: ["OFPT_SET_CONFIG (OF1.3) (xid=0xa): frags=normal miss_send_len=65535"],
    packet_in: [
      "OFPT_PACKET_IN (OF1.3) (xid=0x0): table_id=3 cookie=0xabcd total_len=64 tun_id=0x5,in_port=7 (via action) data_len=64 (unbuffered)",
      "udp,vlan_tci=0x0000,dl_src=52:54:00:00:00:01,dl_dst=52:54:00:00:00:02,nw_src=192.0.2.1,nw_dst=198.51.100.2,nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,tp_src=12345,tp_dst=9",
    ],
    flow_removed: ["priority=100,in_port=1,dl_src=52:54:00:00:00:01 reason=idle table_id=1 cookie:0x10 duration30.0000005s idle10 pkts12 bytes3400"],
    port_status: ["OFPT_PORT_STATUS (OF1.3) (xid=0x0): MOD: 1(vnet-p1): addr:52:54:00:12:34:56", "speed: 10000 Mbps now"],
    packet_out: ["in_port=CONTROLLER actions=output:3 data_len=64"],
    flow_mod: ["ADD priority=1000,tcp,in_port=1,dl_dst=52:54:00:00:00:01,nw_src=192.0.2.0/24,tp_dst=80 cookie:0x100000001 idle:60 send_flow_rem actions=set_field:52:54:00:00:00:02->eth_dst,push_vlan:0x8100,set_field:4106->vlan_vid,output:2,write_metadata:0x5/0xff,goto_table:2"],
    flow_mod_delete: ["DEL table:255 priority=0 cookie:0x7/0xff actions=drop"],
    group_mod: ["ADD group_id=1,type=select,bucket=actions=output:1,bucket=weight:2,actions=output:2"],
    port_mod: ["port: 1: addr:52:54:00:12:34:56", "config: PORT_DOWN"],
    meter_mod: ["ADD meter=1 kbps burst bands=", "type=drop rate=1000 burst_size=100", "type=dscp_remark rate=2000 burst_size=200 prec_level=1"],
    queue_get_config_request: ["port=ANY"],
    queue_get_config_reply: ["queue 1: min_rate:10.0% max_rate:90.0%"],
    role_request: ["role=primary generation_id=3"],
    get_async_reply: ["PACKET_IN: no_match action"],
    mp_flow_request: ["OFPST_FLOW request (OF1.3) (xid=0x1f): in_port=1"],
    mp_port_stats_request: ["port_no=ANY"],
    mp_queue_request: ["port=ANY queue=ALL"],
    mp_group_request: ["group_id=ALL"],
    mp_meter_config_request: ["meter=1"],
    mp_desc_reply: ["Manufacturer: vnet", "Hardware: virtual", "Software: 0.1.0", "Serial Num: none", "DP Description: br-of-test"],
    mp_flow_reply: [
      "flags=[more]",
      "cookie=0x7, duration=5.000001s, table=0, n_packets=10, n_bytes=1000, priority=1000,tcp,in_port=1,dl_dst=52:54:00:00:00:01,nw_src=192.0.2.0/24,tp_dst=80 actions=set_field:52:54:00:00:00:02->eth_dst,push_vlan:0x8100,set_field:4106->vlan_vid,output:2",
      "cookie=0x0, duration=1s, table=1, n_packets=0, n_bytes=0, priority=0 actions=CONTROLLER:65535",
    ],
    mp_aggregate_reply: ["packet_count=100 byte_count=6400 flow_count=3"],
    mp_table_reply: ["active=4, lookup=100, matched=90"],
    mp_port_stats_reply: ["port  1: rx pkts=1, bytes=3, drop=5, errs=7, frame=9, over=10, crc=11", "tx pkts=2, bytes=4, drop=6, errs=8, coll=12"],
    mp_queue_reply: ["port 1 queue 0: bytes=100, pkts=2, errors=0"],
    mp_group_reply: ["group_id=1,duration=5.000000006s,ref_count=2,packet_count=3,byte_count=4,bucket0:packet_count=1,byte_count=2"],
    mp_group_desc_reply: ["group_id=2,type=all,bucket=actions=output:1,output:2"],
    mp_meter_reply: ["meter:1 flow_count:2 packet_in_count:3 byte_in_count:4 duration:5.000000006s bands:", "0: packet_count:7 byte_count:8"],
    mp_meter_config_reply: ["meter=1 kbps bands=", "type=drop rate=1000"],
    mp_meter_features_reply: ["max_meter:100 max_bands:2 max_color:0"],
    mp_table_features_reply: [
      'table 0 ("classify"):', "max_entries=1000000", "next tables: 1-3",
      "instructions: meter apply_actions clear_actions write_actions write_metadata goto_table",
      "actions: output strip_vlan push_vlan", "supported on Set-Field: eth_dst vlan_vid",
      "exact match or wildcard: eth_dst", "must exact match: in_port_oxm",
    ],
    mp_port_desc_reply: ["1(vnet-p1): addr:52:54:00:12:34:56", "LOCAL(br-of): addr:52:54:00:12:34:56"],
  };
  /** Samples Open vSwitch does not implement, and what it says instead. */
  const unsupported: Record<string, string> = {
    flow_mod_all_actions: "OFPBIC_BAD_EXPERIMENTER", // an experimenter instruction
    mp_experimenter_request: "OFPBRC_BAD_SUBTYPE", // a Nicira multipart subtype OVS lacks
    mp_experimenter_reply: "OFPBRC_BAD_SUBTYPE",
  };

  it("ofp-print reads every sample message vnet encodes, to the meaning the sample has", async () => {
    for (const [name, msg] of Object.entries(samples)) {
      const out = await runTool("ovs-ofctl", ["-O", "OpenFlow13", "ofp-print", encode(msg).toString("hex")]);
      if (name in unsupported) {
        expect(out, name).toContain(unsupported[name]);
        continue;
      }
      expect(out, name).not.toContain("decode error");
      expect(out, name).not.toContain("too short");
      for (const s of expected[name] ?? []) expect(out, name).toContain(s);
    }
    // Every expectation names a real sample.
    for (const name of Object.keys(expected)) expect(samples).toHaveProperty(name);
  });
});
