// Bytes a real ovs-vswitchd 3.1 sent (captured by the vswitchd integration test, see the fixture's
// note): each decodes to what the switch meant and re-encodes to the same bytes. Runs without OVS.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decode, encode, formatFlow, OFPP, OFPR, OFPPR, OFPET, parseFlow } from "../../../openflow";
import type { FlowStats, MessageOf, OfpMessage } from "../../../openflow";
import { frame64 } from "./samples";

const fixture = JSON.parse(readFileSync(join(__dirname, "../../fixtures/openflow/vswitchd-3.1.json"), "utf8")) as {
  messages: Record<string, string>;
};
const msg = <T extends OfpMessage["type"]>(name: string, type: T): MessageOf<T> => {
  const m = decode(Buffer.from(fixture.messages[name]!, "hex"));
  expect(m.type).toBe(type);
  return m as MessageOf<T>;
};

describe("messages from a real ovs-vswitchd 3.1", () => {
  it("holds the captures", () => {
    expect(Object.keys(fixture.messages).length).toBeGreaterThanOrEqual(18);
  });

  for (const [name, hex] of Object.entries(fixture.messages)) {
    it(`${name}: decodes and re-encodes to the same bytes`, () => {
      const bytes = Buffer.from(hex, "hex");
      expect(encode(decode(bytes)).toString("hex")).toBe(hex);
    });
  }

  it("means what the switch meant", () => {
    expect(msg("hello", "hello").versions).toEqual([4]); // the bridge allows OpenFlow13 only
    expect(msg("features_reply", "features_reply")).toMatchObject({ nTables: 254, auxiliaryId: 0 });
    expect(msg("desc_reply", "multipart_reply")).toMatchObject({ kind: "desc", mfrDesc: "Nicira, Inc.", hwDesc: "Open vSwitch" });
    const pi = msg("packet_in", "packet_in");
    expect(pi).toMatchObject({ reason: OFPR.ACTION, totalLen: 64, match: { in_port: OFPP.CONTROLLER } });
    expect(pi.data).toEqual(frame64);
    const ps = msg("port_status", "port_status");
    expect(ps.reason).toBe(OFPPR.ADD);
    expect(ps.desc.portNo).toBe(7);
    expect(msg("error", "error").errorType).toBe(OFPET.BAD_INSTRUCTION);
    expect(msg("flow_removed", "flow_removed")).toMatchObject({ tableId: 9, priority: 9, match: { in_port: 7 } });
    const tables = msg("table_stats_reply", "multipart_reply") as Extract<MessageOf<"multipart_reply">, { kind: "table" }>;
    expect(tables.tables.length).toBe(254);
  });

  it("its flow stats print as text that parses back to the same flows", () => {
    const reply = msg("flow_stats_reply", "multipart_reply") as { flows: FlowStats[] };
    expect(reply.flows.length).toBeGreaterThan(40);
    for (const f of reply.flows) {
      const text = formatFlow(f);
      const back = parseFlow(text);
      expect(back.match, text).toEqual(f.match);
      expect(formatFlow(back)).toBe(text);
    }
  });
});
