// A small run record, as the runner would write it, for the report and results tests.
import { addRepeat } from "../../../src/bench/dataplane/record";
import type { BackendId, CaseRecord, MetricId, RunRecord } from "../../../src/bench/dataplane/types";
import { QUICK_DEFAULTS } from "../../../src/bench/dataplane/types";

function caseOf(scenario: string, backend: BackendId, repeats: Partial<Record<MetricId, number>>[], ping: number[] = [], errors: string[][] = []): CaseRecord {
  let c: CaseRecord = {
    scenario,
    scenarioKind: scenario === "cross-host" ? "cross-host" : "same-host",
    pairs: 1,
    backend,
    datapath: backend.startsWith("ovs") ? "OVS userspace (netdev, AF_PACKET)" : "this kernel: Linux bridge",
    vm: "netns",
    status: "failed",
    repeats: [],
    summary: {},
    samples: { ping_ms: [], rr_us: [] },
  };
  repeats.forEach((metrics, index) => {
    c = addRepeat(c, { index, metrics, errors: errors[index] ?? [] }, { ping_ms: ping, rr_us: [] });
  });
  return c;
}

export function sampleRun(id = "20261126-140000-abcd"): RunRecord {
  return {
    schema: 1,
    id,
    startedAt: "2026-11-26T14:00:00.000Z",
    finishedAt: "2026-11-26T14:02:00.000Z",
    durationS: 120,
    status: "done",
    command: "vnet bench dataplane --quick",
    options: { ...QUICK_DEFAULTS, repeats: 3 },
    machine: {
      hostname: "h",
      cpuModel: "Test CPU",
      cpus: 2,
      memoryGiB: 24,
      kernel: "6.1.0",
      os: "Debian GNU/Linux 12",
      ovsKernelDatapath: false,
      versions: { "Open vSwitch": "3.1.0", iperf3: "3.12" },
      loadAverage: [0.5, 0.4, 0.3],
    },
    cases: [
      caseOf("same-host", "linux-bridge", [{ tcp1_gbps: 18 }, { tcp1_gbps: 16 }, { tcp1_gbps: 20, fdb_entries: 2 }], [0.05, 0.06, 0.07]),
      caseOf("same-host", "ovs-normal", [{ tcp1_gbps: 0.6 }, { tcp1_gbps: 0.4 }, { tcp1_gbps: 0.5 }], [0.2, 0.25, 0.3]),
      caseOf("cross-host", "linux-bridge", [{ tcp1_gbps: 3 }]),
      caseOf("cross-host", "ovs-normal", [{ ping_p50_ms: 0.4 }], [], [["tcp1: iperf3: unable to connect to server: Connection timed out"]]),
      { ...caseOf("cross-host", "veth", []), status: "skipped", reason: "no switch" },
    ],
    notes: ["a note, with <angle> & ampersand"],
  };
}
