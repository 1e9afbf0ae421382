// `vnet ofp-print`'s pure parts: hex input, the stream printer (text and JSON, bad bytes reported
// and counted) and the pcap reader (TCP streams reassembled in sequence order).
import { describe, expect, it } from "vitest";
import { encode } from "../../../openflow";
import { hexToBytes, printStream } from "../../../src/cli/commands/ofp-print";
import { describe as describeMsg } from "../../../src/cli/ofp-print/print";
import { PcapError, tcpStreams } from "../../../src/cli/ofp-print/pcap";
import { noStreamMessage } from "../../../src/cli/commands/ofp-print";
import { pcapOf } from "../../integration/openflow-pcap";
import { samples } from "./samples";

const collect = (bytes: Buffer, json = false) => {
  const lines: string[] = [];
  const bad = printStream(bytes, { json }, (l) => lines.push(l));
  return { lines, bad };
};

describe("vnet ofp-print", () => {
  it("reads hex with spaces, colons and 0x", () => {
    expect(hexToBytes("0x04 00:00 08\n00000001")).toEqual(Buffer.from("0400000800000001", "hex"));
    expect(() => hexToBytes("04zz")).toThrow('not hex bytes: "04zz"');
  });

  it("prints a FLOW_MOD like ovs-ofctl, in its flow syntax", () => {
    const { lines, bad } = collect(encode(samples.flow_mod!));
    expect(bad).toBe(0);
    expect(lines).toEqual([
      "OFPT_FLOW_MOD (OF1.3) (xid=0xc): ADD cookie=0x100000001, idle_timeout=60, send_flow_rem priority=1000,tcp,in_port=1," +
        "dl_dst=52:54:00:00:00:01,nw_src=192.0.2.0/24,tp_dst=80 actions=set_field:52:54:00:00:00:02->eth_dst,push_vlan:0x8100," +
        "set_field:4106->vlan_vid,output:2,write_metadata:0x5/0xff,goto_table:2",
    ]);
  });

  it("prints every sample without throwing, one header line each", () => {
    const all = Buffer.concat(Object.values(samples).map((m) => encode(m)));
    const { lines, bad } = collect(all);
    expect(bad).toBe(0);
    const headers = lines.join("\n").split("\n").filter((l) => / \(xid=0x[0-9a-f]+\):/.test(l));
    expect(headers.length).toBe(Object.keys(samples).length);
  });

  it("prints JSON with bigints as decimal strings and bytes as hex", () => {
    const { lines } = collect(encode(samples.packet_in!), true);
    const j = JSON.parse(lines[0]!);
    expect(j).toMatchObject({ type: "packet_in", cookie: "43981", match: { in_port: 7, tunnel_id: "5" } });
    expect(j.data).toBe(Buffer.from((samples.packet_in as { data: Uint8Array }).data).toString("hex"));
  });

  it("reports a bad message with the codec's error and goes on to the next", () => {
    const bad = Buffer.from("04140009000000010004000008000000ff", "hex"); // barrier with a stray byte, then a hello
    const { lines, bad: n } = collect(Buffer.concat([bad.subarray(0, 9), encode(samples.hello!)]));
    expect(n).toBe(1);
    expect(lines[0]).toBe("***decode error: 1 unexpected trailing byte(s) in barrier_request (at byte 8)***\n041400090000000100");
    expect(lines[1]).toBe("OFPT_HELLO (OF1.3) (xid=0x1):");
  });

  it("reports a stream cut in the middle of a message", () => {
    const { lines, bad } = collect(encode(samples.flow_mod!).subarray(0, 20));
    expect(bad).toBe(1);
    expect(lines).toEqual(["(20 trailing bytes do not make a whole message)"]);
  });

  it("shows a HELLO of another version as such", () => {
    expect(describeMsg(samples.hello_v6!)).toBe("OFPT_HELLO (wire version 6) (xid=0x3): version bitmap: 0x04, 0x05, 0x06");
  });
});

describe("pcap reader", () => {
  it("reassembles one TCP stream in order and frames its messages", () => {
    const msgs = [samples.hello!, samples.flow_mod!, samples.barrier_request!].map((m) => encode(m));
    // Cut the second message across two segments.
    const segs = [msgs[0]!, msgs[1]!.subarray(0, 10), Buffer.concat([msgs[1]!.subarray(10), msgs[2]!])];
    const streams = tcpStreams(pcapOf(segs));
    expect(streams.length).toBe(1);
    expect(streams[0]!.id).toBe("127.0.0.1:40000 > 127.0.0.1:6653");
    expect(streams[0]!.data.equals(Buffer.concat(msgs))).toBe(true);
  });

  it("reads a `tcpdump -i any` capture (Linux cooked v2 headers)", () => {
    const msgs = [samples.hello!, samples.flow_mod!].map((m) => encode(m));
    const streams = tcpStreams(asCookedV2(pcapOf(msgs)));
    expect(streams.map((s) => s.id)).toEqual(["127.0.0.1:40000 > 127.0.0.1:6653"]);
    expect(streams[0]!.data.equals(Buffer.concat(msgs))).toBe(true);
  });

  it("says which ports a capture has when none is an OpenFlow port asked for", () => {
    const streams = tcpStreams(pcapOf([encode(samples.hello!)], { srcPort: 51000, dstPort: 6701 }));
    expect(noStreamMessage("c.pcap", ["6653", "6633"], streams)).toBe("no TCP stream on port 6653 or 6633 in c.pcap; it has TCP streams on port 6701 (choose with --port)");
    expect(noStreamMessage("e.pcap", ["6653"], [])).toBe("no TCP stream on port 6653 in e.pcap (it holds no TCP data at all)");
  });

  it("refuses what is not a pcap file, with the reason", () => {
    expect(() => tcpStreams(Buffer.alloc(10))).toThrow(new PcapError("not a pcap file: shorter than its 24-byte header"));
    expect(() => tcpStreams(Buffer.from("0a0d0d0a" + "00".repeat(40), "hex"))).toThrow(/pcapng files are not supported/);
    expect(() => tcpStreams(Buffer.alloc(40, 1))).toThrow("not a pcap file (magic 0x1010101)");
  });
});

/** The same capture as if taken on "any": each Ethernet header replaced by a 20-byte SLL2 one. */
function asCookedV2(pcap: Buffer): Buffer {
  const global = Buffer.from(pcap.subarray(0, 24));
  global.writeUInt32LE(276, 20);
  const parts: Buffer[] = [global];
  for (let off = 24; off < pcap.length; ) {
    const caplen = pcap.readUInt32LE(off + 8);
    const frame = pcap.subarray(off + 16, off + 16 + caplen);
    const sll2 = Buffer.alloc(20);
    sll2.writeUInt16BE(frame.readUInt16BE(12), 0); // protocol (EtherType)
    sll2.writeUInt32BE(1, 4); // interface index
    sll2.writeUInt16BE(1, 8); // ARPHRD_ETHER
    sll2[11] = 6; // address length
    const header = Buffer.from(pcap.subarray(off, off + 16));
    header.writeUInt32LE(caplen + 6, 8);
    header.writeUInt32LE(pcap.readUInt32LE(off + 12) + 6, 12);
    parts.push(header, sll2, frame.subarray(14));
    off += 16 + caplen;
  }
  return Buffer.concat(parts);
}
