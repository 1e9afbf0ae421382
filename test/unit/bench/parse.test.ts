import { describe, expect, it } from "vitest";
import {
  ParseError,
  countOfctlFlows,
  parseIperfTcp,
  parseIperfUdp,
  parsePingRtts,
  parsePingSummary,
  parseProcStat,
  parseRr,
} from "../../../src/bench/dataplane/parse";

// Trimmed from real iperf3 3.12 --json output on this machine (fields the parser does not read removed).
const TCP = JSON.stringify({
  start: { connected: [{ socket: 5 }] },
  end: {
    sum_sent: { start: 0, end: 1.0002, seconds: 1.0002, bytes: 1046478848, bits_per_second: 8370183426.1, retransmits: 12, sender: true },
    sum_received: { start: 0, end: 1.0405, seconds: 1.0405, bytes: 1046216704, bits_per_second: 8043976315.2, sender: true },
    cpu_utilization_percent: { host_total: 60.1, remote_total: 40.2 },
  },
});
const UDP = JSON.stringify({
  end: {
    sum: { start: 0, end: 1.094604, seconds: 1.094604, bytes: 853740, bits_per_second: 6281500.99, jitter_ms: 0.0027, lost_packets: 19986, packets: 47430, lost_percent: 42.1, sender: true },
  },
});

const BUSYBOX_PING = `PING 203.0.113.2 (203.0.113.2): 56 data bytes
64 bytes from 203.0.113.2: seq=0 ttl=64 time=0.263 ms
64 bytes from 203.0.113.2: seq=1 ttl=64 time=0.052 ms
64 bytes from 203.0.113.2: seq=3 ttl=64 time=1.5 ms

--- 203.0.113.2 ping statistics ---
4 packets transmitted, 3 packets received, 25% packet loss
round-trip min/avg/max = 0.052/0.605/1.5 ms
`;

describe("iperf3 --json", () => {
  it("TCP: receiver-side throughput, bytes, retransmits", () => {
    expect(parseIperfTcp(TCP)).toEqual({ bitsPerSecond: 8043976315.2, bytes: 1046216704, seconds: 1.0405, retransmits: 12 });
  });

  it("UDP: datagrams that arrived per second", () => {
    const r = parseIperfUdp(UDP);
    expect(r.packets).toBe(47430);
    expect(r.lostPackets).toBe(19986);
    expect(r.packetsPerSecond).toBeCloseTo((47430 - 19986) / 1.094604);
  });

  it("reports iperf3's own error, not a parse failure", () => {
    expect(() => parseIperfTcp(JSON.stringify({ start: {}, end: {}, error: "unable to connect to server: Connection timed out" }))).toThrow(
      "iperf3: unable to connect to server: Connection timed out",
    );
  });

  it("names what is missing or malformed", () => {
    expect(() => parseIperfTcp("")).toThrow(/not JSON \(empty\)/);
    expect(() => parseIperfTcp("iperf3: error - bad")).toThrow(/not JSON: iperf3: error - bad/);
    expect(() => parseIperfTcp(JSON.stringify({ end: { sum_sent: {} } }))).toThrow(/end.sum_received is missing/);
    expect(() => parseIperfTcp(JSON.stringify({ end: { sum_sent: {}, sum_received: { bits_per_second: "fast" } } }))).toThrow(/bits_per_second is not a number/);
    expect(() => parseIperfUdp(JSON.stringify({ end: { sum: { packets: 1, lost_packets: 0, seconds: 0 } } }))).toThrow(/not positive/);
    expect(() => parseIperfUdp("[]")).toThrow(ParseError);
  });
});

describe("ping", () => {
  it("every reply's RTT in order (busybox and iputils formats)", () => {
    expect(parsePingRtts(BUSYBOX_PING)).toEqual([0.263, 0.052, 1.5]);
    expect(parsePingRtts("64 bytes from 192.0.2.1: icmp_seq=1 ttl=64 time=0.045 ms\n64 bytes from 192.0.2.1: icmp_seq=2 ttl=64 time<1 ms")).toEqual([0.045, 1]);
    expect(parsePingRtts("PING x\n--- x ping statistics ---\n1 packets transmitted, 0 packets received, 100% packet loss\n")).toEqual([]);
  });

  it("summary line", () => {
    expect(parsePingSummary(BUSYBOX_PING)).toEqual({ transmitted: 4, received: 3 });
    expect(parsePingSummary("nothing")).toBeUndefined();
  });
});

describe("request/response probe", () => {
  it("reads the samples of the last line", () => {
    expect(parseRr('warming\n{"us": [21.5, 30.1]}\n')).toEqual([21.5, 30.1]);
  });
  it("passes the probe's error on", () => {
    expect(() => parseRr('{"error": "timed out"}')).toThrow("request/response probe: timed out");
    expect(() => parseRr("")).toThrow(/not JSON \(empty\)/);
    expect(() => parseRr('{"us": ["x"]}')).toThrow(/no samples/);
  });
});

describe("/proc/stat", () => {
  it("busy = everything but idle and iowait, over the first 8 fields", () => {
    const text = "cpu  100 5 50 1000 20 3 7 2 9 0\ncpu0 50 2 25 500 10 1 3 1 0 0\nintr 1 2 3\n";
    expect(parseProcStat(text)).toEqual({ busy: 100 + 5 + 50 + 3 + 7 + 2, total: 1187 });
  });
  it("refuses a file without the aggregate line", () => {
    expect(() => parseProcStat("cpu0 1 2 3 4\n")).toThrow(/no aggregate cpu line/);
  });
});

it("counts flows in ofctl and dpctl dumps", () => {
  const ofctl = " cookie=0x0, duration=1.2s, table=0, n_packets=3, n_bytes=180, priority=0 actions=NORMAL\n cookie=0x1, table=1, priority=10,in_port=1 actions=drop\n";
  const dpctl = "recirc_id(0),in_port(2),eth_type(0x0806), packets:1, bytes:42, used:0.1s, actions:1\nflow-dump from the main thread:\n";
  expect(countOfctlFlows(ofctl)).toBe(2);
  expect(countOfctlFlows(dpctl)).toBe(1);
  expect(countOfctlFlows("")).toBe(0);
});
