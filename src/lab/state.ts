// What a lab made, on disk, so that `vnet lab down` can remove it even after the process that built
// it crashed: the plan (every name and address), process ids, and attached endpoints. Also the
// slot reservations that keep labs side by side from sharing address blocks.

import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { SLOT_COUNT, preferredSlot, type LabPlan } from "./plan";

export const DEFAULT_RUN_ROOT = "/run/vnet-lab";

export function runRoot(): string {
  return process.env.VNET_LAB_RUN_ROOT ?? DEFAULT_RUN_ROOT;
}

export interface EndpointState {
  host: string;
  name: string;
  netns: string;
  /** Interface inside the host namespace (the OVS port or Linux-bridge member). */
  hostIface: string;
  bridge: string;
  bridgeKind: "ovs" | "linux";
  mac: string;
  ip?: string;
}

export interface HostState {
  name: string;
  runDir: string;
  pids: { ovsdbServer?: number; ovsVswitchd?: number };
}

export interface LabState {
  version: 1;
  plan: LabPlan;
  runDir: string;
  createdAt: string;
  /** Process that built the lab: a test fixture removes labs whose builder died without cleaning. */
  ownerPid: number;
  /** Made by a test fixture: may be removed once ownerPid is gone. */
  temporary?: boolean;
  /** "building" until up finished; a crashed up leaves it so, and down still cleans it. */
  phase: "building" | "up";
  hosts: HostState[];
  lan: { runDir: string; dnsmasqPid?: number; leaseFile: string };
  endpoints: EndpointState[];
  linuxBridges: { host: string; name: string }[];
}

export function labDir(name: string, root = runRoot()): string {
  return join(root, name);
}

export function statePath(name: string, root = runRoot()): string {
  return join(labDir(name, root), "state.json");
}

export function readState(name: string, root = runRoot()): LabState | undefined {
  try {
    const json = JSON.parse(readFileSync(statePath(name, root), "utf8")) as LabState;
    if (json.version !== 1 || !json.plan) return undefined;
    return json;
  } catch {
    return undefined;
  }
}

/** Atomic write: a crash leaves the old or the new file, never half of one. */
export function writeState(state: LabState, root = runRoot()): void {
  const path = statePath(state.plan.name, root);
  mkdirSync(labDir(state.plan.name, root), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, path);
}

/** Names of every lab with a run directory. */
export function listLabs(root = runRoot()): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith("."))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

function slotsDir(root: string): string {
  return join(root, ".slots");
}

/**
 * Reserves an address slot for a lab by creating a directory (atomic: two labs starting at once
 * cannot both get it). Starts at the name's preferred slot. A slot whose owner has no run
 * directory any more is stale (a crashed lab whose files were removed by hand) and is reclaimed.
 */
export function reserveSlot(name: string, root = runRoot(), usable: (slot: number) => boolean = () => true): number {
  mkdirSync(slotsDir(root), { recursive: true });
  const first = preferredSlot(name);
  for (let k = 0; k < SLOT_COUNT; k++) {
    const slot = (first + k) % SLOT_COUNT;
    if (!usable(slot)) continue;
    const dir = join(slotsDir(root), String(slot));
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        mkdirSync(dir);
        writeFileSync(join(dir, "owner"), name);
        return slot;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        const owner = slotOwner(slot, root);
        if (owner === name) return slot;
        if (owner !== undefined && !existsSync(labDir(owner, root))) {
          rmSync(dir, { recursive: true, force: true });
          continue;
        }
        break;
      }
    }
  }
  throw new Error(`no free lab address slot (of ${SLOT_COUNT}; slots overlapping this machine's routes are skipped): run "vnet lab status" and "vnet lab down --name NAME"`);
}

export function slotOwner(slot: number, root = runRoot()): string | undefined {
  try {
    return readFileSync(join(slotsDir(root), String(slot), "owner"), "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Releases every slot the lab holds. */
export function releaseSlots(name: string, root = runRoot()): void {
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    if (slotOwner(slot, root) === name) rmSync(join(slotsDir(root), String(slot)), { recursive: true, force: true });
  }
}
