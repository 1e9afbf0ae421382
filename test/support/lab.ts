// Lab fixture for integration tests:
//   const lab = await startLab({ hosts: 2 });   // in beforeAll
//   await lab.down();                           // in afterAll (runs even when tests failed)
// Each call gets a unique name ("t" + 7 random characters), so test files can run labs side by side.
// Labs left by a test process that died (its pid is gone) are removed before a new one starts.
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { labUp, labDown, Lab } from "../../src/lab/lab";
import { attachEndpoint, type Endpoint } from "../../src/lab/endpoint";
import { ensureBridge } from "../../src/ovsdb/vswitch";
import { integrationBridgeSpec } from "../../src/realise/host";
import { listLabs, readState } from "../../src/lab/state";
import { isAlive } from "../../src/lab/ovs";
import type { UnderlayMode } from "../../src/lab/plan";

export { attachEndpoint, detachEndpoint, addLinuxBridge, removeLinuxBridge } from "../../src/lab/endpoint";
export type { Endpoint, EndpointOptions } from "../../src/lab/endpoint";
export { Lab };

export function uniqueLabName(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return "t" + [...randomBytes(7)].map((b) => alphabet[b % alphabet.length]).join("");
}

/** Removes labs made by test fixtures whose test process is gone (killed mid-run). */
export async function removeOrphanTestLabs(): Promise<string[]> {
  const removed: string[] = [];
  for (const name of listLabs()) {
    const state = readState(name);
    if (state?.temporary && state.ownerPid !== process.pid && !isAlive(state.ownerPid)) {
      await labDown(name);
      removed.push(name);
    }
  }
  return removed;
}

export async function startLab(options: { hosts?: number; name?: string; underlay?: UnderlayMode } = {}): Promise<Lab> {
  await removeOrphanTestLabs();
  return labUp({ name: options.name ?? uniqueLabName(), hosts: options.hosts ?? 2, underlay: options.underlay ?? "ovs", temporary: true });
}

/** A VM NIC to plug: the endpoint's name, the iface-id and the model port id are all `id`. */
export interface PluggedVm {
  id: string;
  host: string;
  mac: string;
  /** "A.B.C.D/LEN" set on eth0; omit for DHCP. */
  ip?: string;
}

/**
 * The hosts as a hypervisor leaves them before vnet programs anything: br-int on every host
 * pointing at the controller target (the realiser's own spec), and each VM's NIC plugged into it
 * with external_ids:iface-id = the VM's id. Returns the endpoints by VM id.
 */
export async function plugHypervisors(lab: Lab, controllerTarget: string, vms: readonly PluggedVm[]): Promise<Map<string, Endpoint>> {
  await Promise.all(lab.plan.hosts.map(async (h) => ensureBridge(await lab.client(h.name), integrationBridgeSpec(h.name, controllerTarget))));
  const eps = new Map<string, Endpoint>();
  for (const v of vms) {
    eps.set(v.id, await attachEndpoint(lab, v.host, { name: v.id, mac: v.mac, bridge: "br-int", ifaceId: v.id, ...(v.ip !== undefined ? { ip: v.ip } : {}) }));
  }
  return eps;
}

/**
 * afterAll of a realiser test: stops the realisation and the controller, removes the lab and the
 * work directory. Every step runs even if an earlier one failed; the first failure is rethrown.
 */
export async function tearDownRealiserTest(parts: {
  realisation?: { close(): Promise<void> } | null;
  controller?: { close(): Promise<void> } | null;
  lab?: Lab | null;
  workDir?: string;
}): Promise<void> {
  const steps: Array<() => Promise<void> | void> = [
    () => parts.realisation?.close(),
    () => parts.controller?.close(),
    () => parts.lab?.down(),
    () => {
      if (parts.workDir) rmSync(parts.workDir, { recursive: true, force: true });
    },
  ];
  let first: unknown = null;
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== null) throw first;
}
