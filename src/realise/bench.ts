// Realiser benchmark on a real Open vSwitch (a 1-host lab, userspace datapath): how long a host
// with many bound VM NICs takes to program from a cold controller start, how long a reconcile that
// finds nothing to change takes (multipart read of every flow + diff), and how long one new port
// takes to be programmed. Prints numbers; asserts nothing. Needs root (it builds a lab).
//   npx tsx src/realise/bench.ts [ports=200]

import { performance } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import { Controller } from "../controller/controller";
import { labUp, type Lab } from "../lab/lab";
import { setLogLevel } from "../log";
import { applyChanges, EMPTY_MODEL, type ModelChange, type NetworkModel } from "../model/index";
import { byUuid } from "../ovsdb/ops";
import { bridgePorts, ensureBridge, findBridge } from "../ovsdb/vswitch";
import { integrationBridgeSpec } from "./host";
import { startRealisation, type PassReport } from "./index";
import { ALL_FLOWS, ALL_GROUP_DESCS, program } from "./program";
import { compile } from "../pipeline/compile";
import { INTEGRATION_BRIDGE } from "./wiring";

setLogLevel("warn");
const PORTS = Number(process.argv[2] ?? 200);
if (!Number.isInteger(PORTS) || PORTS < 1 || PORTS > 4000) throw new Error("ports: 1-4000");

function macOf(i: number): string {
  return `02:00:00:${[(i >> 16) & 255, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, "0")).join(":")}`;
}

function buildModel(lab: Lab, ports: number): NetworkModel {
  const h = lab.plan.hosts[0]!;
  const networks = Math.max(1, Math.ceil(ports / 10));
  const changes: ModelChange[] = [
    { op: "add_host", host: { id: "h1", name: "h1", managementAddress: h.mgmtAddress, ovsdbTarget: h.ovsdbTarget, backend: "ovs", tunnelIp: null } },
  ];
  for (let t = 0; t < 4; t++) changes.push({ op: "add_tenant", tenant: { id: `t${t}`, name: `tenant${t}` } });
  for (let n = 0; n < networks; n++) {
    changes.push({ op: "add_network", network: { id: `n${n}`, tenantId: `t${n % 4}`, name: `net${n}`, kind: "overlay", segmentationId: 1000 + n, subnet: "192.0.2.0/24", gateway: "192.0.2.1", dhcpRange: null, dns: [] } });
  }
  for (let p = 0; p < ports; p++) changes.push({ op: "add_port", port: { id: `p${p}`, networkId: `n${p % networks}`, hostId: "h1", mac: macOf(p) } });
  const r = applyChanges(EMPTY_MODEL, changes);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

/** Plugs `ids` into br-int as internal ports carrying their iface-id, in one transaction. */
async function plug(lab: Lab, ids: string[]): Promise<void> {
  const client = await lab.client("h1");
  await client.run((txn, replica) => {
    const bridge = findBridge(replica, INTEGRATION_BRIDGE)!;
    const ports = ids.map((id) => {
      const iface = txn.insert("Interface", { name: `b${id}`, type: "internal", external_ids: new Map([["iface-id", id]]) });
      return txn.insert("Port", { name: `b${id}`, interfaces: [iface] });
    });
    txn.mutate("Bridge", byUuid(bridge._uuid), "ports", "insert", ports);
  });
  await client.waitFor((r) => ids.every((id) => bridgePorts(r, INTEGRATION_BRIDGE).some((p) => p.name === `b${id}` && p.ofport !== undefined)) || undefined, 60_000);
}

async function until(check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function main(): Promise<void> {
  const lab = await labUp({ name: `rzb${randomBytes(2).toString("hex")}`, hosts: 1, temporary: true });
  const reports: PassReport[] = [];
  let controller: Controller | null = null;
  try {
    let model = buildModel(lab, PORTS);
    // The controller's port first (0: any), then the bridge pointing at it, then the VM NICs.
    controller = new Controller();
    const port = (await controller.listenTcp(0, lab.controllerAddress)).port;
    const target = `tcp:${lab.controllerAddress}:${port}`;
    await ensureBridge(await lab.client("h1"), integrationBridgeSpec("h1", target));
    const tPlug = performance.now();
    await plug(lab, model.ports.map((p) => p.id));
    console.log(`${PORTS} internal ports plugged, ofports assigned: ${(performance.now() - tPlug).toFixed(0)} ms`);

    const t0 = performance.now();
    const r = startRealisation({ model, controller, controllerTarget: target, reconcileIntervalMs: 0, onReport: (x) => reports.push(x) });
    await until(() => reports.some((x) => x.programmed && !x.error && Object.keys(r.realiser("h1")!.status().wiring?.vmPorts ?? {}).length === PORTS));
    const first = reports.find((x) => x.programmed)!;
    console.log(`realisation start → host programmed: ${(performance.now() - t0).toFixed(0)} ms`);
    console.log(`  the full pass: read, ${first.flowMods} flow-mods + ${first.summary.groupMods} group-mods, barrier: ${first.durationMs} ms`);

    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const rep = await r.realiser("h1")!.reconcile();
      console.log(`reconcile, nothing to change (read ${rep!.desiredFlows} flows + diff): ${(performance.now() - t).toFixed(1)} ms, ${rep!.flowMods} flow-mods`);
    }
    // Where that time goes: the multipart read (switch, wire, codec) versus compile + diff.
    const sw = controller.switchByDpid(r.realiser("h1")!.dpid)!;
    const tRead = performance.now();
    const [flows, groups] = await Promise.all([sw.multipart(ALL_FLOWS), sw.multipart(ALL_GROUP_DESCS)]);
    const readMs = performance.now() - tRead;
    const tDiff = performance.now();
    const plan = program(compile(model, "h1", r.realiser("h1")!.status().wiring!), { flows: flows.flows, groups: groups.groups });
    const compileDiffMs = performance.now() - tDiff;
    // A reconcile re-uses the compiled state while model and wiring hold: then only the diff runs.
    const desired = compile(model, "h1", r.realiser("h1")!.status().wiring!);
    program(desired, { flows: flows.flows, groups: groups.groups });
    const [again, againGroups] = await Promise.all([sw.multipart(ALL_FLOWS), sw.multipart(ALL_GROUP_DESCS)]);
    const tDiffOnly = performance.now();
    program(desired, { flows: again.flows, groups: againGroups.groups });
    const diffOnlyMs = performance.now() - tDiffOnly;
    const tPorts = performance.now();
    const views = bridgePorts((await lab.client("h1")).replica, INTEGRATION_BRIDGE);
    const portsMs = performance.now() - tPorts;
    console.log(
      `  of which: multipart read of ${flows.flows.length} flows ${readMs.toFixed(1)} ms; compile + diff ${compileDiffMs.toFixed(1)} ms (${plan.messages.length} messages); ` +
        `diff of a fresh read against the compiled state ${diffOnlyMs.toFixed(1)} ms; br-int's ${views.length} ports from the replica ${portsMs.toFixed(1)} ms`,
    );

    reports.length = 0;
    model = (() => {
      const x = applyChanges(model, [{ op: "add_port", port: { id: "extra", networkId: "n0", hostId: "h1", mac: macOf(PORTS + 1) } }]);
      if (!x.ok) throw new Error(JSON.stringify(x.errors));
      return x.value;
    })();
    r.update(model);
    await r.settled();
    reports.length = 0;
    const tBind = Date.now();
    await plug(lab, ["extra"]);
    await until(() => reports.some((x) => x.flowModCookies.length > 0));
    const bound = reports.find((x) => x.flowModCookies.length > 0)!;
    console.log(`one more port: plugged → its ${bound.flowMods} flow-mods + ${bound.summary.groupMods} group-mod confirmed: ${bound.at - tBind} ms`);
    await r.close();
  } finally {
    await controller?.close();
    await lab.down();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
