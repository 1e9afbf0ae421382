// Pipeline benchmark: how long compile, a full diff and an incremental change take on a large
// model. Prints numbers; asserts nothing. Run: npx tsx src/pipeline/bench.ts [ports] [hosts]
import { performance } from "node:perf_hooks";
import { EMPTY_MODEL, applyChanges, type ModelChange } from "../model/index";
import { asActual, changes, compile, diff, type SwitchWiring } from "./index";

const PORTS = Number(process.argv[2] ?? 2000);
const HOSTS = Number(process.argv[3] ?? 10);
const NETWORKS = Math.max(1, Math.floor(PORTS / 10));

/** Runs fn `runs` times after a warm-up; prints the median and the best (the machine is shared). */
function time<T>(label: string, runs: number, fn: (i: number) => T): T {
  let result = fn(-1); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    result = fn(i);
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  const median = ms[Math.floor(ms.length / 2)]!;
  console.log(`${label.padEnd(56)} ${median.toFixed(2).padStart(9)} ms median, ${ms[0]!.toFixed(2).padStart(8)} ms best`);
  return result;
}

const build: ModelChange[] = [];
for (let t = 0; t < NETWORKS / 4; t++) build.push({ op: "add_tenant", tenant: { id: `t${t}`, name: `tenant${t}` } });
for (let h = 0; h < HOSTS; h++) {
  build.push({ op: "add_host", host: { id: `h${h}`, name: `kvm${h}`, managementAddress: `10.0.${h >> 8}.${h & 255}`, ovsdbTarget: `tcp:10.0.0.${h}:6640`, backend: "ovs", tunnelIp: `10.1.${h >> 8}.${h & 255}` } });
}
for (let n = 0; n < NETWORKS; n++) {
  build.push({ op: "add_network", network: { id: `n${n}`, tenantId: `t${n % Math.ceil(NETWORKS / 4)}`, name: `net${n}`, kind: "overlay", segmentationId: 1000 + n, subnet: "192.0.2.0/24", gateway: "192.0.2.1", dhcpRange: null, dns: [] } });
}
for (let p = 0; p < PORTS; p++) {
  const mac = `02:00:00:${((p >> 16) & 255).toString(16).padStart(2, "0")}:${((p >> 8) & 255).toString(16).padStart(2, "0")}:${(p & 255).toString(16).padStart(2, "0")}`;
  build.push({ op: "add_port", port: { id: `p${p}`, networkId: `n${p % NETWORKS}`, hostId: `h${(p * 7) % HOSTS}`, mac } });
}
const built = time(`build model (${PORTS} ports, ${NETWORKS} networks, ${HOSTS} hosts)`, 1, () => applyChanges(EMPTY_MODEL, build));
if (!built.ok) throw new Error(JSON.stringify(built.errors.slice(0, 3)));
const model = built.value;

function wiringOf(m: typeof model, hostId: string): SwitchWiring {
  const vmPorts: Record<string, number> = {};
  m.ports.filter((p) => p.hostId === hostId).forEach((p, i) => (vmPorts[p.id] = i + 1));
  const tunnels: Record<string, number> = {};
  m.hosts.filter((h) => h.id !== hostId).forEach((h, i) => (tunnels[h.id] = 10000 + i));
  return { vmPorts, tunnels, uplink: null };
}
const wiring = wiringOf(model, "h0");
// Cold: every model object new (as after loading the model from disk), so nothing is re-used.
const coldModels = Array.from({ length: 21 }, () => structuredClone(model));
time("compile one host (cold: a model of new objects)", 20, (i) => compile(coldModels[i + 1]!, "h0", wiring));
const desired = time("compile one host (model and wiring as last time)", 20, () => compile(model, "h0", wiring));
console.log(`  → ${desired.flows.length} flows, ${desired.groups.length} groups on h0`);
const first = time("diff against an empty switch", 20, () => diff(desired, { flows: [], groups: [] }));
console.log(`  → ${first.length} messages`);
const actual = asActual(desired);
const again = time("diff against a switch in sync (tracked state)", 20, () => diff(desired, actual));
console.log(`  → ${again.length} message(s)`);
// What a full reconcile diffs: the same flows as fresh objects, as a multipart read decodes them.
const reads = Array.from({ length: 21 }, () => structuredClone(actual));
time("diff against a switch in sync (flows read from it)", 20, (i) => diff(desired, reads[i + 1]!));
time("compile + diff against flows read from it", 20, (i) => diff(compile(model, "h0", wiring), reads[i + 1]!));

const added = applyChanges(model, [{ op: "add_port", port: { id: "extra", networkId: "n0", hostId: "h0", mac: "02:ff:00:00:00:01" } }]);
if (!added.ok) throw new Error("add failed");
const wiring2 = { ...wiring, vmPorts: { ...wiring.vmPorts, extra: 9999 } };
const delta = time("one new port: compile + changes()", 10, () => changes(desired, compile(added.value, "h0", wiring2)));
console.log(`  → ${delta.length} messages (${delta.filter((m) => m.type === "flow_mod").length} flow mods)`);
