// Lab fixture for integration tests:
//   const lab = await startLab({ hosts: 2 });   // in beforeAll
//   await lab.down();                           // in afterAll (runs even when tests failed)
// Each call gets a unique name ("t" + 7 random characters), so test files can run labs side by side.
// Labs left by a test process that died (its pid is gone) are removed before a new one starts.
import { randomBytes } from "node:crypto";
import { labUp, labDown, Lab } from "../../src/lab/lab";
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
