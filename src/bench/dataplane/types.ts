// The vocabulary of `vnet bench dataplane`: scenarios, backends, metrics, and the JSON record of a
// run (run.json in the results directory, read back by results.ts and the dashboard).

export const SCENARIO_KINDS = ["same-host", "cross-host", "pairs", "provider"] as const;
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];

export const BACKENDS = ["veth", "linux-bridge", "vnet-kernel", "ovs-normal", "ovs-vnet", "ovs-tso"] as const;
export type BackendId = (typeof BACKENDS)[number];

export const BACKEND_INFO: Record<BackendId, { label: string; family: "none" | "kernel" | "ovs"; what: string }> = {
  veth: { label: "veth pair", family: "none", what: "the two endpoints joined by one veth pair, no switch: the ceiling" },
  "linux-bridge": { label: "Linux bridge", family: "kernel", what: "a plain Linux bridge (kernel VXLAN across hosts)" },
  "vnet-kernel": { label: "vnet kernel", family: "kernel", what: "vnet's kernel-bridge backend with its nftables port security" },
  "ovs-normal": { label: "OVS NORMAL", family: "ovs", what: "Open vSwitch with the NORMAL action (its own learning switch)" },
  "ovs-vnet": { label: "OVS vnet", family: "ovs", what: "Open vSwitch programmed by vnet's controller and pipeline" },
  "ovs-tso": { label: "OVS NORMAL+TSO", family: "ovs", what: "OVS NORMAL with other_config:userspace-tso-enable=true" },
};

export interface Scenario {
  kind: ScenarioKind;
  /** "same-host", "cross-host", "pairs-4", "provider". */
  id: string;
  /** Endpoint pairs measured at once (1 except for "pairs"). */
  pairs: number;
}

export const METRICS = [
  { id: "tcp1_gbps", label: "TCP, 1 stream", unit: "Gbit/s", better: "higher" },
  { id: "tcpN_gbps", label: "TCP, several streams", unit: "Gbit/s", better: "higher" },
  { id: "udp_kpps", label: "UDP, small frames", unit: "kpps", better: "higher" },
  { id: "ping_p50_ms", label: "ping RTT p50", unit: "ms", better: "lower" },
  { id: "ping_p99_ms", label: "ping RTT p99", unit: "ms", better: "lower" },
  { id: "rr_p50_us", label: "TCP request/response p50", unit: "µs", better: "lower" },
  { id: "rr_p99_us", label: "TCP request/response p99", unit: "µs", better: "lower" },
  { id: "first_ms", label: "first packet of a new flow (RTT incl. ARP)", unit: "ms", better: "lower" },
  { id: "cpu_s_per_gbit", label: "CPU per Gbit/s of TCP", unit: "CPU·s/Gbit", better: "lower" },
  { id: "of_flows", label: "OpenFlow flows", unit: "flows", better: "info" },
  { id: "dp_flows", label: "datapath flows (megaflows)", unit: "flows", better: "info" },
  { id: "fdb_entries", label: "bridge FDB entries", unit: "entries", better: "info" },
  { id: "nft_rules", label: "nftables rules", unit: "rules", better: "info" },
] as const;
export type MetricId = (typeof METRICS)[number]["id"];
export const METRIC_IDS = METRICS.map((m) => m.id) as readonly MetricId[];

export function metricInfo(id: MetricId): (typeof METRICS)[number] {
  return METRICS.find((m) => m.id === id)!;
}

export interface BenchOptions {
  scenarios: ScenarioKind[];
  /** Pair counts for the "pairs" scenario. */
  pairs: number[];
  backends: BackendId[];
  repeats: number;
  /** Seconds per iperf3 test. */
  durationS: number;
  /** Parallel streams of the several-streams TCP test. */
  streams: number;
  /** UDP payload bytes (18 makes 60-byte Ethernet frames). */
  udpLength: number;
  pingCount: number;
  pingIntervalS: number;
  /** Transactions of the TCP request/response test. */
  rrCount: number;
  /** Cold first packets per repeat (caches flushed before each). */
  firstPacketTries: number;
  vm: "netns" | "libvirt";
  guestKernel: boolean;
  quick: boolean;
}

export const FULL_DEFAULTS: BenchOptions = {
  scenarios: [...SCENARIO_KINDS],
  pairs: [2, 4],
  backends: [...BACKENDS],
  repeats: 5,
  durationS: 3,
  streams: 4,
  udpLength: 18,
  pingCount: 200,
  pingIntervalS: 0.01,
  rrCount: 2000,
  firstPacketTries: 3,
  vm: "netns",
  guestKernel: false,
  quick: false,
};

/** `--quick`: every scenario and backend, once, briefly (under 3 minutes on 2 cores). */
export const QUICK_DEFAULTS: BenchOptions = {
  ...FULL_DEFAULTS,
  pairs: [2],
  repeats: 1,
  durationS: 1,
  pingCount: 50,
  rrCount: 500,
  firstPacketTries: 2,
  quick: true,
};

export interface MachineInfo {
  hostname: string;
  cpuModel: string;
  cpus: number;
  memoryGiB: number;
  kernel: string;
  os: string;
  /** Whether the kernel has the openvswitch module (else OVS runs its userspace datapath). */
  ovsKernelDatapath: boolean;
  versions: Record<string, string>;
  /** Load average when the run started: a busy machine makes noisy numbers. */
  loadAverage: number[];
}

export interface RepeatRecord {
  index: number;
  metrics: Partial<Record<MetricId, number>>;
  errors: string[];
}

export interface CaseRecord {
  scenario: string;
  scenarioKind: ScenarioKind;
  pairs: number;
  backend: BackendId;
  /** Which datapath the figures come from, e.g. "kernel: Linux bridge + VXLAN". */
  datapath: string;
  vm: "netns" | "libvirt";
  status: "ok" | "partial" | "failed" | "skipped";
  /** Why a case was skipped or failed. */
  reason?: string;
  setupSeconds?: number;
  repeats: RepeatRecord[];
  summary: Partial<Record<MetricId, import("./stats").Summary>>;
  /** Latency samples pooled over repeats (thinned), for CDFs: ping in ms, request/response in µs. */
  samples: { ping_ms: number[]; rr_us: number[] };
}

export interface RunRecord {
  schema: 1;
  id: string;
  startedAt: string;
  finishedAt?: string;
  durationS?: number;
  status: "running" | "done" | "interrupted" | "failed";
  command: string;
  options: BenchOptions;
  machine: MachineInfo;
  cases: CaseRecord[];
  notes: string[];
}
