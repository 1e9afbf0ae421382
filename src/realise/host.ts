// The realiser of one Open vSwitch host: it keeps br-int wired (OVSDB) and programmed (OpenFlow).
//
// State it holds: the latest model, the host's OVSDB client (whose replica says which VM NICs and
// tunnels are on the bridge, with their ofports), the connected switch if any, and `known`, the
// flow and group tables the switch holds as far as this realiser knows (null = unknown: read them).
//
// Every change (model update, OVSDB row change, switch connecting) asks for a pass; passes run one
// at a time and bursts coalesce (SerialRunner). A pass:
//   1. brings br-int to spec (bridge, controller target, datapath-id; tunnel ports; uplink);
//   2. reads the wiring from the replica and compiles the desired state (re-using the last compile
//      while model and wiring are unchanged: compile is pure);
//   3. "full": reads the switch's flows and groups by multipart; "incremental": uses `known`;
//   4. sends the diff (deletes, groups, adds, group deletes) and a barrier, then known = desired.
// A switch that reconnects (controller or ovs-vswitchd restart) always gets a full pass, so a
// switch that kept its flows gets nothing, and one that lost them gets everything back.

import type { Logger } from "../log";
import { createLogger } from "../log";
import type { Switch } from "../controller/api";
import { BatchError } from "../controller/errors";
import type { Network, NetworkModel, Port } from "../model/types";
import { OvsdbClient } from "../ovsdb/client";
import { mapToRecord } from "../ovsdb/datum";
import {
  VSWITCH_SCHEMA_VERSION,
  VSWITCH_TABLES,
  bridgePorts,
  ensureBridge,
  ensurePort,
  removePort,
  stableDatapathId,
  type BridgeSpec,
  type DatapathType,
  type PortView,
} from "../ovsdb/vswitch";
import { compile, type SwitchWiring } from "../pipeline/compile";
import { asActual, type ActualState } from "../pipeline/diff";
import type { DesiredState } from "../pipeline/flow";
import { ALL_FLOWS, ALL_GROUP_DESCS, flowModCount, program, type ProgramSummary } from "./program";
import { SerialRunner, type PassKind } from "./serial";
import {
  INTEGRATION_BRIDGE,
  REMOTE_HOST_KEY,
  ROLE_KEY,
  isWiringPlanEmpty,
  observeWiring,
  planWiring,
  portAtOfport,
  sameWiring,
  type ObservedWiring,
} from "./wiring";

export interface OvsHostOptions {
  hostId: string;
  model: NetworkModel;
  /** The OpenFlow target every br-int gets, e.g. "tcp:198.51.100.1:6653". */
  controllerTarget: string;
  /** A started OVSDB client for this host; default: one to the host's `ovsdbTarget`, owned here. */
  ovsdb?: OvsdbClient;
  /** br-int's datapath type; "netdev" where hosts have no openvswitch kernel module (the lab). */
  datapathType?: DatapathType;
  /** Full re-read of the switch this often (ms); 0 disables the timer. Default 30 s. */
  reconcileIntervalMs?: number;
  /** Controller max_backoff in OVSDB (ms): how soon a switch retries after losing us. Default 1000. */
  controllerMaxBackoffMs?: number;
  /** Controller inactivity_probe in OVSDB (ms); default OVS's own. */
  controllerProbeMs?: number;
  /** PACKET_INs per second br-int may send the controller (OVS minimum 100); default 1000. */
  controllerRateLimit?: number;
  /** PACKET_INs allowed in a burst above the rate (OVS minimum 25); default 100. */
  controllerBurstLimit?: number;
  logger?: Logger;
  onReport?: (report: PassReport) => void;
}

/** What one pass did, for logs, the live view and tests. */
export interface PassReport {
  hostId: string;
  dpid: string;
  kind: PassKind;
  /** Time the pass finished (ms since the epoch). */
  at: number;
  durationMs: number;
  /** OVSDB transactions sent (bridge, tunnels, uplink). */
  ovsdbChanges: number;
  /** Whether a switch was connected, so OpenFlow programming happened. */
  programmed: boolean;
  summary: ProgramSummary;
  flowMods: number;
  /** Cookies of the FLOW_MODs sent, in order (what the pass touched, by owner). */
  flowModCookies: bigint[];
  desiredFlows: number;
  desiredGroups: number;
  problems: string[];
  error?: string;
}

export interface HostStatus {
  hostId: string;
  dpid: string;
  connected: boolean;
  ovsdbReady: boolean;
  /** Open_vSwitch other_config:flow-restore-wait: ovs-vswitchd holds off controllers while true. */
  flowRestoreWait: boolean;
  /** The switch holds exactly the desired state, as of the last pass. */
  inSync: boolean;
  wiring: SwitchWiring | null;
  ifaceOf: Record<string, string>;
  unbound: ObservedWiring["unbound"];
  lastReport: PassReport | null;
}

const EMPTY_SUMMARY: ProgramSummary = { flowAdds: 0, flowModifies: 0, flowDeletes: 0, groupMods: 0 };

export class OvsHostRealiser {
  readonly hostId: string;
  /** 16 hex digits: what br-int's other_config:datapath-id is set to. */
  readonly dpidHex: string;
  readonly dpid: bigint;
  private model: NetworkModel;
  private readonly ovsdb: OvsdbClient;
  private readonly ownsOvsdb: boolean;
  private sw: Switch | null = null;
  /** What the switch holds, as far as we know; null = read it on the next pass. */
  private known: DesiredState | null = null;
  private observed: ObservedWiring | null = null;
  /** The inputs of `known`: a pass with the same ones has nothing to send. */
  private compiledFrom: { model: NetworkModel; wiring: SwitchWiring } | null = null;
  /**
   * The last compile and its inputs. compile is a pure function of them, so a pass with the same
   * inputs (a periodic reconcile, a reconnect) re-uses it: no recompiling, and the desired flows
   * keep the canonical keys the diff computed for them last time.
   */
  private lastCompile: { model: NetworkModel; wiring: SwitchWiring; desired: DesiredState } | null = null;
  private lastReport: PassReport | null = null;
  private readonly runner: SerialRunner;
  private readonly log: Logger;
  private readonly stops: Array<() => void> = [];
  private closed = false;

  constructor(private readonly opts: OvsHostOptions) {
    this.hostId = opts.hostId;
    this.model = opts.model;
    this.dpidHex = hostDatapathId(opts.hostId);
    this.dpid = BigInt(`0x${this.dpidHex}`);
    this.log = opts.logger ?? createLogger("realise", { host: opts.hostId });
    const host = this.host();
    if (opts.ovsdb) {
      this.ovsdb = opts.ovsdb;
      this.ownsOvsdb = false;
    } else {
      if (!host) throw new Error(`host ${opts.hostId} is not in the model`);
      this.ovsdb = new OvsdbClient({
        target: host.ovsdbTarget,
        database: "Open_vSwitch",
        tables: VSWITCH_TABLES,
        requiredVersion: VSWITCH_SCHEMA_VERSION,
        backoff: { minMs: 100, maxMs: 2000 },
      });
      this.ownsOvsdb = true;
      this.ovsdb.start();
    }
    this.runner = new SerialRunner((kind) => this.pass(kind));
    // Any row change may move an ofport or a tunnel: recompute (cheap when nothing moved).
    this.stops.push(this.ovsdb.on("change", () => this.runner.request("incremental")));
    this.stops.push(this.ovsdb.on("error", (err) => this.log.debug({ err: err.message }, "OVSDB connection problem")));
    const every = opts.reconcileIntervalMs ?? 30_000;
    if (every > 0) {
      const timer = setInterval(() => this.runner.request("full"), every);
      timer.unref();
      this.stops.push(() => clearInterval(timer));
    }
    this.runner.request("full");
  }

  // ---- inputs --------------------------------------------------------------------------------

  setModel(model: NetworkModel): void {
    this.model = model;
    this.runner.request("incremental");
  }

  /** The switch with this host's datapath id connected (its handshake is done). */
  attach(sw: Switch): void {
    this.sw = sw;
    this.known = null;
    this.runner.request("full");
  }

  detach(sw: Switch): void {
    if (this.sw !== sw) return;
    this.sw = null;
    this.known = null;
  }

  /** Re-read the switch and repair any drift; resolves when that pass is done. */
  async reconcile(): Promise<PassReport | null> {
    this.runner.request("full");
    await this.runner.idle();
    return this.lastReport;
  }

  get busy(): boolean {
    return this.runner.busy;
  }

  /** Resolves once nothing is pending. */
  idle(): Promise<void> {
    return this.runner.idle();
  }

  // ---- what others read ----------------------------------------------------------------------

  /** The model port and network behind an OpenFlow port of this host's switch (for PACKET_IN). */
  portAt(ofport: number): { port: Port; network: Network } | undefined {
    if (!this.observed) return undefined;
    const portId = portAtOfport(this.observed.wiring, ofport);
    const port = portId === undefined ? undefined : this.model.ports.find((p) => p.id === portId);
    const network = port && this.model.networks.find((n) => n.id === port.networkId);
    return port && network ? { port, network } : undefined;
  }

  status(): HostStatus {
    return {
      hostId: this.hostId,
      dpid: this.dpidHex,
      connected: this.sw?.connected ?? false,
      ovsdbReady: this.ovsdb.isReady,
      flowRestoreWait: this.flowRestoreWait(),
      inSync: this.sw !== null && this.known !== null && this.lastReport !== null && !this.lastReport.error,
      wiring: this.observed?.wiring ?? null,
      ifaceOf: this.observed?.ifaceOf ?? {},
      unbound: this.observed?.unbound ?? [],
      lastReport: this.lastReport,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.runner.close();
    for (const stop of this.stops.splice(0)) stop();
    await this.runner.idle();
    if (this.ownsOvsdb) this.ovsdb.close();
  }

  // ---- the pass ------------------------------------------------------------------------------

  private host() {
    return this.model.hosts.find((h) => h.id === this.hostId);
  }

  private flowRestoreWait(): boolean {
    if (!this.ovsdb.isReady) return false;
    const root = this.ovsdb.replica.rows("Open_vSwitch")[0];
    return mapToRecord(root?.other_config)["flow-restore-wait"] === "true";
  }

  private async pass(kind: PassKind): Promise<void> {
    if (this.closed) return;
    const started = Date.now();
    const report: PassReport = {
      hostId: this.hostId,
      dpid: this.dpidHex,
      kind,
      at: started,
      durationMs: 0,
      ovsdbChanges: 0,
      programmed: false,
      summary: EMPTY_SUMMARY,
      flowMods: 0,
      flowModCookies: [],
      desiredFlows: 0,
      desiredGroups: 0,
      problems: [],
    };
    try {
      if (!this.host()) {
        report.problems.push(`host ${this.hostId} is not in the model`);
        return;
      }
      // br-int's ports as the replica has them; read again only if wiring changed something.
      let ports: PortView[] | null = null;
      if (this.ovsdb.isReady) {
        // A wiring failure (a bad uplink name, a refused transaction) must not stop programming
        // what is wired already: report it and go on.
        try {
          ports = this.ports();
          report.ovsdbChanges = await this.wire(ports);
          if (report.ovsdbChanges > 0) ports = null;
        } catch (err) {
          ports = null;
          report.problems.push(`OVSDB wiring: ${describeError(err)}`);
        }
      }
      // Without a replica we do not know the ports: programming from an empty wiring would delete
      // every VM's flows. Wait for OVSDB instead (its first "change" event asks for a pass).
      if (!this.ovsdb.isReady && this.observed === null) {
        report.problems.push("OVSDB not connected yet");
        return;
      }
      // The model of this pass: setModel may replace this.model while the pass awaits the switch.
      const model = this.model;
      if (this.ovsdb.isReady) this.observed = observeWiring(model, this.hostId, ports ?? this.ports());
      const observed = this.observed!;
      const sw = this.sw;
      const connected = sw !== null && sw.connected;
      // Most OVSDB changes (link state, our own transactions) move nothing the pipeline reads:
      // with the same model and wiring as the last programmed pass, the diff is empty; skip it.
      const same = this.compiledFrom !== null && this.compiledFrom.model === model && sameWiring(this.compiledFrom.wiring, observed.wiring);
      if (connected && kind === "incremental" && this.known !== null && same) {
        report.programmed = true;
        report.desiredFlows = this.known.flows.length;
        report.desiredGroups = this.known.groups.length;
        report.problems.push(...this.known.problems, ...unboundProblems(observed));
        return;
      }
      const desired = this.compiled(model, observed.wiring);
      report.desiredFlows = desired.flows.length;
      report.desiredGroups = desired.groups.length;
      report.problems.push(...desired.problems, ...unboundProblems(observed));
      if (!connected) return;
      const full = kind === "full" || this.known === null;
      report.kind = full ? "full" : "incremental";
      const actual: ActualState = full ? await this.readSwitch(sw) : asActual(this.known!);
      const plan = program(desired, actual);
      report.summary = plan.summary;
      report.flowMods = flowModCount(plan.summary);
      report.flowModCookies = plan.messages.flatMap((m) => (m.type === "flow_mod" ? [m.cookie] : []));
      report.programmed = true;
      if (plan.messages.length > 0) {
        // Until the barrier confirms the batch, what the switch holds is unknown.
        this.known = null;
        await sw.commit(plan.messages);
      }
      if (this.sw === sw) {
        this.known = desired;
        this.compiledFrom = { model, wiring: observed.wiring };
      }
    } catch (err) {
      this.known = null;
      report.error = describeError(err);
      this.log.warn({ err: report.error, kind }, "realiser pass failed");
    } finally {
      report.durationMs = Date.now() - started;
      report.at = Date.now();
      this.lastReport = report;
      if (report.flowMods > 0 || report.summary.groupMods > 0 || report.ovsdbChanges > 0 || report.error) {
        this.log.info(
          { kind: report.kind, ovsdb: report.ovsdbChanges, ...report.summary, ms: report.durationMs, error: report.error },
          "realiser pass",
        );
      }
      try {
        this.opts.onReport?.(report);
      } catch (err) {
        this.log.error({ err: describeError(err) }, "report listener failed");
      }
    }
  }

  private ports(): PortView[] {
    return bridgePorts(this.ovsdb.replica, INTEGRATION_BRIDGE);
  }

  private compiled(model: NetworkModel, wiring: SwitchWiring): DesiredState {
    const last = this.lastCompile;
    if (last !== null && last.model === model && sameWiring(last.wiring, wiring)) return last.desired;
    const desired = compile(model, this.hostId, wiring);
    this.lastCompile = { model, wiring, desired };
    return desired;
  }

  /** Brings br-int to spec (given its ports now); returns how many transactions changed something. */
  private async wire(ports: PortView[]): Promise<number> {
    let changes = 0;
    const bridge = await ensureBridge(
      this.ovsdb,
      integrationBridgeSpec(this.hostId, this.opts.controllerTarget, {
        ...(this.opts.datapathType ? { datapathType: this.opts.datapathType } : {}),
        ...(this.opts.controllerMaxBackoffMs !== undefined ? { maxBackoffMs: this.opts.controllerMaxBackoffMs } : {}),
        ...(this.opts.controllerProbeMs !== undefined ? { probeMs: this.opts.controllerProbeMs } : {}),
        ...(this.opts.controllerRateLimit !== undefined ? { rateLimit: this.opts.controllerRateLimit } : {}),
        ...(this.opts.controllerBurstLimit !== undefined ? { burstLimit: this.opts.controllerBurstLimit } : {}),
      }),
    );
    if (bridge.changed) changes++;
    // Unless ensureBridge created the bridge (and its local port), the ports read before hold.
    const plan = planWiring(this.model, this.hostId, bridge.changed ? this.ports() : ports);
    if (isWiringPlanEmpty(plan)) return changes;
    for (const name of plan.remove) {
      if (await removePort(this.ovsdb, INTEGRATION_BRIDGE, name)) changes++;
    }
    for (const t of plan.tunnels) {
      const options: Record<string, string> = { remote_ip: t.remoteIp, key: String(t.key ?? "flow") };
      if (t.localIp) options.local_ip = t.localIp;
      const r = await ensurePort(this.ovsdb, INTEGRATION_BRIDGE, {
        name: t.name,
        type: t.kind,
        options,
        interfaceExternalIds: { [REMOTE_HOST_KEY]: t.remoteHostId },
      });
      if (r.changed) changes++;
    }
    if (plan.uplink !== null) {
      const r = await ensurePort(this.ovsdb, INTEGRATION_BRIDGE, { name: plan.uplink, interfaceExternalIds: { [ROLE_KEY]: "uplink" } });
      if (r.changed) changes++;
    }
    return changes;
  }

  private async readSwitch(sw: Switch): Promise<ActualState> {
    const [flows, groups] = await Promise.all([sw.multipart(ALL_FLOWS), sw.multipart(ALL_GROUP_DESCS)]);
    return { flows: flows.flows, groups: groups.groups };
  }
}

/**
 * PACKET_IN limits every br-int gets unless told otherwise. The pipeline sends the controller only
 * DHCP (and nothing per unknown flow), so a legitimate host needs a few per second; 1000/s with a
 * burst of 100 is far above that, and far below what a VM flooding DHCP discovers could push
 * (tens of thousands per second): OVS drops the excess in the switch, not in the controller.
 */
export const DEFAULT_CONTROLLER_RATE_LIMIT = 1000;
export const DEFAULT_CONTROLLER_BURST_LIMIT = 100;

/**
 * br-int as vnet wants it: userspace or kernel datapath, fail_mode secure (flows stay when the
 * controller goes away, nothing is forwarded that vnet did not program), OpenFlow 1.3 only, the
 * host's stable datapath id, and one controller target with a PACKET_IN rate limit.
 */
export function integrationBridgeSpec(
  hostId: string,
  controllerTarget: string,
  o: { datapathType?: DatapathType; maxBackoffMs?: number; probeMs?: number; rateLimit?: number; burstLimit?: number } = {},
): BridgeSpec {
  return {
    name: INTEGRATION_BRIDGE,
    datapathType: o.datapathType ?? "netdev",
    failMode: "secure",
    protocols: ["OpenFlow13"],
    datapathId: hostDatapathId(hostId),
    controllers: [
      {
        target: controllerTarget,
        maxBackoffMs: o.maxBackoffMs ?? 1000,
        rateLimit: o.rateLimit ?? DEFAULT_CONTROLLER_RATE_LIMIT,
        burstLimit: o.burstLimit ?? DEFAULT_CONTROLLER_BURST_LIMIT,
        ...(o.probeMs !== undefined ? { inactivityProbeMs: o.probeMs } : {}),
      },
    ],
    // The controller is reached over the management network, never through br-int: no hidden
    // in-band flows in the tables vnet reconciles.
    otherConfig: { "disable-in-band": "true" },
    externalIds: { "vnet-host": hostId },
  };
}

/** The datapath id vnet gives a host's br-int: stable across restarts, derived from the host id. */
export function hostDatapathId(hostId: string): string {
  return stableDatapathId(`vnet/${hostId}`);
}

function unboundProblems(observed: ObservedWiring): string[] {
  return observed.unbound.map((u) => `interface ${u.iface} (iface-id ${u.ifaceId}): ${u.reason}`);
}

function describeError(err: unknown): string {
  if (err instanceof BatchError) return `${err.message}: ${err.errors.map((e) => e.message).join("; ")}`;
  return err instanceof Error ? err.message : String(err);
}
