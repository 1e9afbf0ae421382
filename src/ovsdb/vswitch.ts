// Typed helpers for the parts of the Open_vSwitch schema vnet uses. Each helper is ONE transaction,
// built from the replica and verified (wait operations) on what it read, and idempotent: calling it
// again with the same request changes nothing and sends nothing.
//
// The realiser's needs, in order: `ensureBridge` (br-int with the controller target), `ensurePort`
// / `ensureTunnelPort` per remote host, `waitForOfport`, and `vswitchEvents` to watch
// external_ids:iface-id on Interface rows.

import { existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { OvsdbClient, type OvsdbClientOptions } from "./client";
import { mapToRecord, optionalAtom, atomsOf, valuesEqual, type Row, type Value, type Atom } from "./datum";
import { byUuid, type Condition } from "./ops";
import type { Replica, RowChange } from "./replica";
import type { CommitResult } from "./results";

/** Tables and columns the helpers read; a client for them monitors exactly these. */
export const VSWITCH_TABLES = {
  Open_vSwitch: ["bridges", "external_ids", "other_config", "ovs_version", "db_version", "datapath_types", "iface_types", "cur_cfg", "next_cfg"],
  Bridge: ["name", "ports", "datapath_type", "fail_mode", "protocols", "controller", "other_config", "external_ids", "datapath_id"],
  Port: ["name", "interfaces", "tag", "trunks", "vlan_mode", "external_ids"],
  Interface: ["name", "type", "options", "external_ids", "ofport", "ofport_request", "mtu_request", "mtu", "error", "mac_in_use", "link_state", "admin_state"],
  Controller: ["target", "inactivity_probe", "max_backoff", "controller_rate_limit", "controller_burst_limit", "is_connected", "connection_mode"],
} as const satisfies Record<string, readonly string[]>;

/** The schema this code was written against (OVS 2.x/3.x ship 8.x). */
export const VSWITCH_SCHEMA_VERSION = "8.0.0";

export function connectVswitch(
  target: string,
  options: Partial<Omit<OvsdbClientOptions, "target" | "tables">> = {},
  timeoutMs = 10_000,
): Promise<OvsdbClient> {
  return OvsdbClient.connect(
    { requiredVersion: VSWITCH_SCHEMA_VERSION, ...options, target, database: "Open_vSwitch", tables: VSWITCH_TABLES },
    timeoutMs,
  );
}

export type DatapathType = "netdev" | "system";

/**
 * The datapath this kernel can run: "system" needs the openvswitch kernel module; without it only
 * the userspace ("netdev") datapath works. Valid for an OVS on this machine (the lab's hosts).
 */
export function localDatapathType(): DatapathType {
  return existsSync("/sys/module/openvswitch") ? "system" : "netdev";
}

/**
 * A stable 64-bit datapath id (16 hex digits) from a seed such as "system-id/bridge": the same
 * bridge on the same host keeps its id across restarts, so flows and the live view keep their keys.
 */
export function stableDatapathId(seed: string): string {
  const hex = createHash("sha256").update(seed).digest("hex").slice(0, 16);
  // Clear the top bit: some tools print datapath ids as signed 64-bit numbers.
  return ((parseInt(hex[0]!, 16) & 0x7).toString(16) + hex.slice(1)).padStart(16, "0");
}

export interface ControllerSpec {
  /** e.g. "tcp:192.0.2.1:6653". */
  target: string;
  /** Milliseconds; OVS default 5000. */
  inactivityProbeMs?: number;
  /** Milliseconds; OVS default 8000 (1000 keeps tests quick to reconnect). */
  maxBackoffMs?: number;
  /**
   * Most packets per second the switch sends this controller as PACKET_IN (at least 100); beyond
   * it OVS queues and then drops them, so one flooding VM cannot flood the controller. Unset: no
   * limit (OVS's default).
   */
  rateLimit?: number;
  /** PACKET_INs allowed in a burst above `rateLimit` (at least 25); OVS default rateLimit / 4. */
  burstLimit?: number;
}

export interface BridgeSpec {
  name: string;
  datapathType?: DatapathType;
  failMode?: "secure" | "standalone";
  protocols?: string[];
  /** 16 hex digits; default: stableDatapathId(system-id + "/" + name). */
  datapathId?: string;
  controllers?: ControllerSpec[];
  otherConfig?: Record<string, string>;
  externalIds?: Record<string, string>;
}

export class VswitchError extends Error {
  override name = "VswitchError";
}

const NAME_RE = /^[A-Za-z0-9_.:-]{1,15}$/;

function checkName(kind: string, name: string): void {
  if (!NAME_RE.test(name)) throw new VswitchError(`bad ${kind} name "${name}": 1-15 of letters, digits, _ . : -`);
}

function rootRow(replica: Replica): Row {
  const row = replica.rows("Open_vSwitch")[0];
  if (!row) throw new VswitchError("the Open_vSwitch table is empty: run ovs-vsctl init first");
  return row;
}

function systemId(replica: Replica): string {
  return mapToRecord(rootRow(replica).external_ids)["system-id"] ?? "";
}

export function findBridge(replica: Replica, name: string): Row | undefined {
  return replica.find("Bridge", "name", name);
}

export function findPort(replica: Replica, name: string): Row | undefined {
  return replica.find("Port", "name", name);
}

export function findInterface(replica: Replica, name: string): Row | undefined {
  return replica.find("Interface", "name", name);
}

/** Merges friendly string maps with a Map value, as the replica holds them. */
function toMap(record: Record<string, string>): Map<Atom, Atom> {
  return new Map(Object.entries(record));
}

function mergeMap(current: Value | undefined, wanted: Record<string, string> | undefined): Map<Atom, Atom> | undefined {
  if (!wanted) return undefined;
  const merged = new Map(current instanceof Map ? current : []);
  for (const [k, v] of Object.entries(wanted)) merged.set(k, v);
  return merged;
}

function wantedControllers(spec: BridgeSpec): ControllerSpec[] {
  return spec.controllers ?? [];
}

function controllerMatches(row: Row | undefined, c: ControllerSpec): boolean {
  if (!row) return false;
  return (
    row.target === c.target &&
    valuesEqual(row.inactivity_probe, c.inactivityProbeMs === undefined ? [] : [c.inactivityProbeMs]) &&
    valuesEqual(row.max_backoff, c.maxBackoffMs === undefined ? [] : [c.maxBackoffMs]) &&
    valuesEqual(row.controller_rate_limit, c.rateLimit === undefined ? [] : [c.rateLimit]) &&
    valuesEqual(row.controller_burst_limit, c.burstLimit === undefined ? [] : [c.burstLimit])
  );
}

/** Checks a controller spec against the schema's limits, so OVSDB never has to refuse it. */
function checkController(c: ControllerSpec): void {
  if (!/^(tcp|ssl|unix|ptcp|pssl|punix):/.test(c.target)) throw new VswitchError(`bad controller target "${c.target}"`);
  const atLeast = (what: string, v: number | undefined, min: number): void => {
    if (v !== undefined && (!Number.isInteger(v) || v < min || v > 2 ** 31 - 1)) throw new VswitchError(`bad ${what} ${v}: an integer of at least ${min}`);
  };
  atLeast("controller rate limit", c.rateLimit, 100);
  atLeast("controller burst limit", c.burstLimit, 25);
  atLeast("inactivity probe", c.inactivityProbeMs, 0);
  atLeast("max backoff", c.maxBackoffMs, 1000);
}

export interface EnsureResult {
  /** True when a transaction was sent (something differed). */
  changed: boolean;
  uuid: string;
  commit?: CommitResult;
}

/**
 * Creates the bridge, or brings an existing one to the spec, in one transaction: datapath_type in
 * the same transaction as the bridge (a netdev-less bridge on this kernel is dead), fail_mode,
 * protocols, a stable datapath-id, and exactly the given controller targets.
 */
export async function ensureBridge(client: OvsdbClient, spec: BridgeSpec): Promise<EnsureResult> {
  checkName("bridge", spec.name);
  for (const c of wantedControllers(spec)) checkController(c);
  let uuid = "";
  let changed = false;
  const result = await client.run((txn, replica) => {
    const root = rootRow(replica);
    const existing = findBridge(replica, spec.name);
    const datapathId = spec.datapathId ?? stableDatapathId(`${systemId(replica)}/${spec.name}`);
    if (!/^[0-9a-f]{16}$/.test(datapathId)) throw new VswitchError(`bad datapath id "${datapathId}": 16 hex digits`);
    const columns: Record<string, Value> = {
      datapath_type: spec.datapathType ?? localDatapathType(),
      fail_mode: [spec.failMode ?? "secure"],
      protocols: spec.protocols ?? ["OpenFlow13"],
    };
    const otherConfig = { ...spec.otherConfig, "datapath-id": datapathId };
    const controllers = wantedControllers(spec);
    if (!existing) {
      // As for ports (see ensurePort): verify the name's absence, not the whole bridges set, so
      // bridges created at the same time by others do not force a retry. The wait goes before the
      // insert: operations run in order, and after it the name is (of course) present.
      txn.verifyAbsent("Bridge", "name", spec.name);
      const ctrlNames = controllers.map((c) => txn.insert("Controller", controllerRow(c)));
      const iface = txn.insert("Interface", { name: spec.name, type: "internal" });
      const port = txn.insert("Port", { name: spec.name, interfaces: [iface] });
      const bridge = txn.insert("Bridge", {
        name: spec.name,
        ...columns,
        ports: [port],
        controller: ctrlNames,
        other_config: toMap(otherConfig),
        external_ids: toMap(spec.externalIds ?? {}),
      });
      txn.mutate("Open_vSwitch", byUuid(root._uuid), "bridges", "insert", [bridge]);
      txn.comment(`vnet: create bridge ${spec.name}`);
      uuid = bridge;
      changed = true;
      return true;
    }
    uuid = existing._uuid;
    const update: Record<string, Value> = {};
    for (const [k, v] of Object.entries(columns)) if (!valuesEqual(existing[k], v)) update[k] = v;
    const oc = mergeMap(existing.other_config, otherConfig)!;
    if (!valuesEqual(existing.other_config, oc)) update.other_config = oc;
    const ei = mergeMap(existing.external_ids, spec.externalIds);
    if (ei && !valuesEqual(existing.external_ids, ei)) update.external_ids = ei;
    const current = atomsOf(existing.controller).map((id) => replica.get("Controller", String(id)));
    const same =
      current.length === controllers.length && controllers.every((c, i) => controllerMatches(current[i], c));
    if (!same) update.controller = controllers.map((c) => txn.insert("Controller", controllerRow(c)));
    if (Object.keys(update).length === 0) return false;
    txn.verify("Bridge", existing._uuid, [...new Set([...Object.keys(update), "controller"])]);
    txn.update("Bridge", byUuid(existing._uuid), update);
    txn.comment(`vnet: update bridge ${spec.name}`);
    changed = true;
    return true;
  });
  if (changed && result.inserted[uuid]) uuid = result.inserted[uuid]!;
  return { changed, uuid, commit: result };
}

function controllerRow(c: ControllerSpec): Record<string, Value> {
  const row: Record<string, Value> = { target: c.target };
  if (c.inactivityProbeMs !== undefined) row.inactivity_probe = [c.inactivityProbeMs];
  if (c.maxBackoffMs !== undefined) row.max_backoff = [c.maxBackoffMs];
  if (c.rateLimit !== undefined) row.controller_rate_limit = [c.rateLimit];
  if (c.burstLimit !== undefined) row.controller_burst_limit = [c.burstLimit];
  return row;
}

export async function deleteBridge(client: OvsdbClient, name: string): Promise<boolean> {
  let changed = false;
  await client.run((txn, replica) => {
    const bridge = findBridge(replica, name);
    if (!bridge) return false;
    const root = rootRow(replica);
    txn.mutate("Open_vSwitch", byUuid(root._uuid), "bridges", "delete", [bridge._uuid]);
    changed = true;
    return true;
  });
  return changed;
}

export type InterfaceType = "internal" | "system" | "tap" | "vxlan" | "geneve" | "patch";

export interface PortSpec {
  name: string;
  type?: InterfaceType;
  /** Interface options, e.g. remote_ip/local_ip/key for tunnels, peer for patch ports. */
  options?: Record<string, string>;
  /** Access VLAN (0-4095); null removes it. */
  tag?: number | null;
  /** Trunked VLANs; [] removes them. */
  trunks?: number[];
  /** external_ids of the Interface row (iface-id, attached-mac, vm-id ...); merged with existing ones. */
  interfaceExternalIds?: Record<string, string>;
  portExternalIds?: Record<string, string>;
  ofportRequest?: number;
  /** Interface mtu_request (OVS sets the device MTU; internal ports follow it). */
  mtuRequest?: number;
}

function checkVlan(v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 4095) throw new VswitchError(`bad VLAN ${v}: 0-4095`);
}

/**
 * Adds a port (one Port with one Interface) to a bridge, or brings an existing one of that name to
 * the spec, in one transaction. A port of that name on another bridge is an error.
 */
export async function ensurePort(client: OvsdbClient, bridgeName: string, spec: PortSpec): Promise<EnsureResult> {
  checkName("port", spec.name);
  if (typeof spec.tag === "number") checkVlan(spec.tag);
  for (const t of spec.trunks ?? []) checkVlan(t);
  if (spec.ofportRequest !== undefined && (!Number.isInteger(spec.ofportRequest) || spec.ofportRequest < 1 || spec.ofportRequest > 65279)) {
    throw new VswitchError(`bad ofport_request ${spec.ofportRequest}: 1-65279`);
  }
  if (spec.mtuRequest !== undefined && (!Number.isInteger(spec.mtuRequest) || spec.mtuRequest < 68 || spec.mtuRequest > 65535)) {
    throw new VswitchError(`bad mtu_request ${spec.mtuRequest}: 68-65535`);
  }
  let uuid = "";
  let changed = false;
  const result = await client.run((txn, replica) => {
    const bridge = findBridge(replica, bridgeName);
    if (!bridge) throw new VswitchError(`no bridge ${bridgeName}`);
    const existing = findPort(replica, spec.name);
    // An existing interface keeps its type unless one is asked for (e.g. a bridge's internal port).
    const ifaceColumns: Record<string, Value> = {};
    if (spec.type !== undefined || !existing) ifaceColumns.type = spec.type ?? "";
    if (spec.options) ifaceColumns.options = toMap(spec.options);
    if (spec.ofportRequest !== undefined) ifaceColumns.ofport_request = [spec.ofportRequest];
    if (spec.mtuRequest !== undefined) ifaceColumns.mtu_request = [spec.mtuRequest];
    const portColumns: Record<string, Value> = {};
    if (spec.tag !== undefined) portColumns.tag = spec.tag === null ? [] : [spec.tag];
    if (spec.trunks !== undefined) portColumns.trunks = [...spec.trunks];
    if (!existing) {
      // The decision read two things: no port of this name exists, and the bridge does. Verify
      // exactly those (before the inserts: operations run in order). Bridge.ports itself is NOT
      // verified: the insert mutation commutes with any other port added or removed meanwhile, so
      // concurrent adds of different ports all succeed at the first try. A concurrent add of the
      // SAME name fails the absence check ("try-again"), and the rebuild finds that port and
      // brings it to the spec instead.
      txn.verifyAbsent("Port", "name", spec.name);
      txn.verify("Bridge", bridge._uuid, ["name"]);
      const iface = txn.insert("Interface", {
        name: spec.name,
        ...ifaceColumns,
        external_ids: toMap(spec.interfaceExternalIds ?? {}),
      });
      const port = txn.insert("Port", {
        name: spec.name,
        interfaces: [iface],
        ...portColumns,
        external_ids: toMap(spec.portExternalIds ?? {}),
      });
      txn.mutate("Bridge", byUuid(bridge._uuid), "ports", "insert", [port]);
      txn.comment(`vnet: add port ${spec.name} to ${bridgeName}`);
      uuid = port;
      changed = true;
      return true;
    }
    uuid = existing._uuid;
    if (!atomsOf(bridge.ports).includes(existing._uuid)) {
      throw new VswitchError(`port ${spec.name} exists on another bridge`);
    }
    const ifaceId = atomsOf(existing.interfaces)[0];
    const iface = ifaceId === undefined ? undefined : replica.get("Interface", String(ifaceId));
    let any = false;
    if (iface) {
      const update: Record<string, Value> = {};
      for (const [k, v] of Object.entries(ifaceColumns)) if (!valuesEqual(iface[k], v)) update[k] = v;
      const ei = mergeMap(iface.external_ids, spec.interfaceExternalIds);
      if (ei && !valuesEqual(iface.external_ids, ei)) update.external_ids = ei;
      if (Object.keys(update).length > 0) {
        txn.verify("Interface", iface._uuid, Object.keys(update));
        txn.update("Interface", byUuid(iface._uuid), update);
        any = true;
      }
    }
    const pupdate: Record<string, Value> = {};
    for (const [k, v] of Object.entries(portColumns)) if (!valuesEqual(existing[k], v)) pupdate[k] = v;
    const pei = mergeMap(existing.external_ids, spec.portExternalIds);
    if (pei && !valuesEqual(existing.external_ids, pei)) pupdate.external_ids = pei;
    if (Object.keys(pupdate).length > 0) {
      txn.verify("Port", existing._uuid, Object.keys(pupdate));
      txn.update("Port", byUuid(existing._uuid), pupdate);
      any = true;
    }
    if (any) {
      txn.comment(`vnet: update port ${spec.name}`);
      changed = true;
    }
    return any;
  });
  if (changed && result.inserted[uuid]) uuid = result.inserted[uuid]!;
  return { changed, uuid, commit: result };
}

export interface TunnelSpec {
  name: string;
  kind: "vxlan" | "geneve";
  remoteIp: string;
  localIp?: string;
  /** "flow" lets OpenFlow set the VNI per packet (tun_id); a number fixes it. */
  key?: "flow" | number;
  /** Extra options (dst_port, csum ...). */
  options?: Record<string, string>;
}

/** A vxlan/geneve port towards a remote host: options remote_ip, local_ip and key. */
export function ensureTunnelPort(client: OvsdbClient, bridgeName: string, spec: TunnelSpec): Promise<EnsureResult> {
  const options: Record<string, string> = { ...spec.options, remote_ip: spec.remoteIp, key: String(spec.key ?? "flow") };
  if (spec.localIp) options.local_ip = spec.localIp;
  return ensurePort(client, bridgeName, { name: spec.name, type: spec.kind, options });
}

/** Removes a port from a bridge (OVS garbage-collects the Port and Interface rows). */
export async function removePort(client: OvsdbClient, bridgeName: string, portName: string): Promise<boolean> {
  let changed = false;
  await client.run((txn, replica) => {
    const bridge = findBridge(replica, bridgeName);
    const port = findPort(replica, portName);
    if (!bridge || !port || !atomsOf(bridge.ports).includes(port._uuid)) return false;
    txn.mutate("Bridge", byUuid(bridge._uuid), "ports", "delete", [port._uuid]);
    txn.comment(`vnet: remove port ${portName} from ${bridgeName}`);
    changed = true;
    return true;
  });
  return changed;
}

/** Sets the access VLAN (null: none) and trunks of a port, in one transaction. */
export async function setPortVlan(client: OvsdbClient, portName: string, vlan: { tag?: number | null; trunks?: number[] }): Promise<boolean> {
  if (typeof vlan.tag === "number") checkVlan(vlan.tag);
  for (const t of vlan.trunks ?? []) checkVlan(t);
  let changed = false;
  await client.run((txn, replica) => {
    const port = findPort(replica, portName);
    if (!port) throw new VswitchError(`no port ${portName}`);
    const update: Record<string, Value> = {};
    if (vlan.tag !== undefined) update.tag = vlan.tag === null ? [] : [vlan.tag];
    if (vlan.trunks !== undefined) update.trunks = [...vlan.trunks];
    for (const k of Object.keys(update)) if (valuesEqual(port[k], update[k])) delete update[k];
    if (Object.keys(update).length === 0) return false;
    txn.update("Port", byUuid(port._uuid), update);
    changed = true;
    return true;
  });
  return changed;
}

/** Merges keys into an Interface's external_ids (a value of null removes the key). */
export async function setInterfaceExternalIds(client: OvsdbClient, ifaceName: string, ids: Record<string, string | null>): Promise<boolean> {
  let changed = false;
  await client.run((txn, replica) => {
    const iface = findInterface(replica, ifaceName);
    if (!iface) throw new VswitchError(`no interface ${ifaceName}`);
    const next = new Map(iface.external_ids instanceof Map ? iface.external_ids : []);
    for (const [k, v] of Object.entries(ids)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    if (valuesEqual(next, iface.external_ids)) return false;
    txn.verify("Interface", iface._uuid, ["external_ids"]);
    txn.update("Interface", byUuid(iface._uuid), { external_ids: next });
    changed = true;
    return true;
  });
  return changed;
}

/** The OpenFlow port number of an interface, once ovs-vswitchd assigned one (-1 means it failed). */
export function ofportOf(replica: Replica, ifaceName: string): number | undefined {
  const iface = findInterface(replica, ifaceName);
  const n = optionalAtom(iface?.ofport);
  return typeof n === "number" && n > 0 ? n : undefined;
}

/** Waits for ovs-vswitchd to assign an ofport; fails early with the Interface's error column. */
export async function waitForOfport(client: OvsdbClient, ifaceName: string, timeoutMs = 5000): Promise<number> {
  return client.waitFor((replica) => {
    const iface = findInterface(replica, ifaceName);
    const err = optionalAtom(iface?.error);
    if (typeof err === "string" && err) throw new VswitchError(`interface ${ifaceName}: ${err}`);
    return ofportOf(replica, ifaceName);
  }, timeoutMs);
}

/** Ports of a bridge by name, with their ofports and interface external_ids. */
export interface PortView {
  name: string;
  ofport?: number;
  type: string;
  tag?: number;
  trunks: number[];
  externalIds: Record<string, string>;
  options: Record<string, string>;
  error?: string;
}

export function bridgePorts(replica: Replica, bridgeName: string): PortView[] {
  const bridge = findBridge(replica, bridgeName);
  if (!bridge) return [];
  const out: PortView[] = [];
  for (const pid of atomsOf(bridge.ports)) {
    const port = replica.get("Port", String(pid));
    if (!port) continue;
    for (const iid of atomsOf(port.interfaces)) {
      const iface = replica.get("Interface", String(iid));
      if (!iface) continue;
      const view: PortView = {
        name: String(iface.name),
        type: String(iface.type),
        trunks: atomsOf(port.trunks).map(Number),
        externalIds: mapToRecord(iface.external_ids),
        options: mapToRecord(iface.options),
      };
      const ofport = optionalAtom(iface.ofport);
      if (typeof ofport === "number" && ofport > 0) view.ofport = ofport;
      const tag = optionalAtom(port.tag);
      if (typeof tag === "number") view.tag = tag;
      const error = optionalAtom(iface.error);
      if (typeof error === "string" && error) view.error = error;
      out.push(view);
    }
  }
  // Code-point order: stable across locales, and much cheaper than localeCompare on big bridges.
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// --- typed change events -----------------------------------------------------------------------

export type VswitchEvent =
  | { type: "bridge-added"; bridge: string }
  | { type: "bridge-removed"; bridge: string }
  | { type: "port-added"; port: string }
  | { type: "port-removed"; port: string }
  | { type: "interface-added"; iface: string; externalIds: Record<string, string> }
  | { type: "interface-removed"; iface: string; externalIds: Record<string, string> }
  | { type: "ofport-assigned"; iface: string; ofport: number }
  | { type: "interface-error"; iface: string; error: string }
  | { type: "iface-id-changed"; iface: string; ifaceId: string | undefined; previous: string | undefined };

/**
 * Turns replica row changes into the events vnet acts on. Pure: the same changes give the same
 * events, which is what lets a resynchronisation after a reconnect report only real differences.
 */
export function vswitchEvents(changes: readonly RowChange[]): VswitchEvent[] {
  const out: VswitchEvent[] = [];
  for (const c of changes) {
    if (c.table === "Bridge") {
      if (c.kind === "insert") out.push({ type: "bridge-added", bridge: String(c.new.name) });
      if (c.kind === "delete") out.push({ type: "bridge-removed", bridge: String(c.old.name) });
    } else if (c.table === "Port") {
      if (c.kind === "insert") out.push({ type: "port-added", port: String(c.new.name) });
      if (c.kind === "delete") out.push({ type: "port-removed", port: String(c.old.name) });
    } else if (c.table === "Interface") {
      const before = c.kind === "insert" ? undefined : c.old;
      const after = c.kind === "delete" ? undefined : c.new;
      const name = String((after ?? before)!.name);
      if (c.kind === "insert") out.push({ type: "interface-added", iface: name, externalIds: mapToRecord(after!.external_ids) });
      if (c.kind === "delete") out.push({ type: "interface-removed", iface: name, externalIds: mapToRecord(before!.external_ids) });
      if (after) {
        const ofport = optionalAtom(after.ofport);
        const prev = before ? optionalAtom(before.ofport) : undefined;
        if (typeof ofport === "number" && ofport > 0 && ofport !== prev) out.push({ type: "ofport-assigned", iface: name, ofport });
        const err = optionalAtom(after.error);
        const prevErr = before ? optionalAtom(before.error) : undefined;
        if (typeof err === "string" && err && err !== prevErr) out.push({ type: "interface-error", iface: name, error: err });
        const ifaceId = mapToRecord(after.external_ids)["iface-id"];
        const prevId = before ? mapToRecord(before.external_ids)["iface-id"] : undefined;
        if (ifaceId !== prevId) out.push({ type: "iface-id-changed", iface: name, ifaceId, previous: prevId });
      }
    }
  }
  return out;
}

/** Subscribes to typed events of a client; returns the unsubscribe function. */
export function onVswitchEvents(client: OvsdbClient, listener: (events: VswitchEvent[], resync: boolean) => void): () => void {
  return client.on("change", ({ changes, resync }) => {
    const events = vswitchEvents(changes);
    if (events.length > 0) listener(events, resync);
  });
}

export type { Condition };
