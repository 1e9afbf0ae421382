// The orchestrator: feeds every host's realiser from the model, maps connecting switches to hosts
// by datapath id, and runs the DHCP app with the realisers' port bindings.
//
//   const r = startRealisation({ model, controller, controllerTarget: "tcp:198.51.100.1:6653" });
//   r.update(nextModel);            // on every model change (or pass `subscribe`)
//   await r.settled();              // every host programmed as far as it can be
//   await r.close();
//
// One realiser per host, by backend: OVS hosts get an OvsHostRealiser (host.ts); hosts with the
// "bridge" backend go to the `bridge` realiser if one is given (the kernel backend plugs in there
// through the `Realiser` seam below), and are otherwise left alone.

import type { Controller } from "../controller/controller";
import type { Switch } from "../controller/api";
import { createLogger, type Logger } from "../log";
import type { Host, NetworkModel } from "../model/types";
import type { OvsdbClient } from "../ovsdb/client";
import type { DatapathType } from "../ovsdb/vswitch";
import { TenantDhcpApp } from "../apps/tenant/dhcp";
import { OvsHostRealiser, hostDatapathId, type HostStatus, type PassReport } from "./host";

export { OvsHostRealiser, hostDatapathId, integrationBridgeSpec, DEFAULT_CONTROLLER_RATE_LIMIT, DEFAULT_CONTROLLER_BURST_LIMIT } from "./host";
export type { HostStatus, OvsHostOptions, PassReport } from "./host";
export * from "./wiring";
export * from "./program";
export * from "./live";

/** The seam every backend's realiser fits: the orchestrator hands it the whole model. */
export interface Realiser {
  readonly backend: Host["backend"];
  /** Applies a model (only the hosts of its backend concern it). */
  apply(model: NetworkModel): void | Promise<unknown>;
  /** Re-reads what the hosts hold and repairs drift. */
  reconcile(): Promise<unknown>;
  status(): unknown;
  close(): Promise<void>;
}

/**
 * The kernel-bridge backend behind the seam: anything with `sync(model)`, `reconcile()` and
 * `close()` (src/kernel/realiser.ts's KernelRealiser has exactly these). Its reports are kept for
 * `status()`.
 */
export function bridgeBackend(k: { sync(model: NetworkModel): Promise<unknown>; reconcile(): Promise<unknown>; close(): Promise<void> }): Realiser {
  let last: unknown = null;
  return {
    backend: "bridge",
    apply: async (model) => {
      last = await k.sync(model);
      return last;
    },
    reconcile: async () => {
      last = await k.reconcile();
      return last;
    },
    status: () => last,
    close: () => k.close(),
  };
}

export interface RealisationOptions {
  model: NetworkModel;
  /** Model updates after the first: called with every new snapshot; returns an unsubscribe. */
  subscribe?: (listener: (model: NetworkModel) => void) => () => void;
  /** The controller whose switches are the OVS hosts' br-ints. */
  controller: Controller;
  /**
   * The target br-int's Controller row points at, e.g. "tcp:198.51.100.1:6653"; a function when
   * hosts reach the controller at different addresses.
   */
  controllerTarget: string | ((host: Host) => string);
  /**
   * An OVSDB client for a host (started, ready or not): e.g. one with TLS files for `ssl:`
   * targets. Default: a plain one to `host.ovsdbTarget`, owned and closed by its realiser.
   */
  ovsdbFor?: (host: Host) => OvsdbClient | undefined;
  datapathType?: DatapathType;
  reconcileIntervalMs?: number;
  /** PACKET_IN limits of every br-int (see OvsHostOptions; defaults 1000/s, burst 100). */
  controllerRateLimit?: number;
  controllerBurstLimit?: number;
  /** The kernel-bridge backend, for hosts whose backend is "bridge". */
  bridge?: Realiser;
  /** Run the DHCP app for overlay networks (default true). */
  dhcp?: boolean;
  logger?: Logger;
  onReport?: (report: PassReport) => void;
}

export interface Realisation {
  update(model: NetworkModel): void;
  /** Resolves when no OVS realiser has work pending (rejects after `timeoutMs`, default 30 s). */
  settled(timeoutMs?: number): Promise<void>;
  /** A full re-read and repair on every host; one report per OVS host. */
  reconcile(): Promise<Array<PassReport | null>>;
  status(): HostStatus[];
  realiser(hostId: string): OvsHostRealiser | undefined;
  readonly dhcp: TenantDhcpApp | null;
  close(): Promise<void>;
}

/** The identity of an OVS host's realiser: a new one is made when any of this changes. */
function hostKey(h: Host, target: string): string {
  return `${h.backend}|${h.ovsdbTarget}|${target}`;
}

export function startRealisation(opts: RealisationOptions): Realisation {
  const log = opts.logger ?? createLogger("realise");
  const realisers = new Map<string, { key: string; realiser: OvsHostRealiser }>();
  const byDpid = new Map<bigint, OvsHostRealiser>();
  let closed = false;
  const targetOf = (h: Host): string => (typeof opts.controllerTarget === "function" ? opts.controllerTarget(h) : opts.controllerTarget);

  const sync = (next: NetworkModel) => {
    const wanted = new Map(next.hosts.filter((h) => h.backend === "ovs").map((h) => [h.id, h]));
    for (const [id, entry] of [...realisers]) {
      const h = wanted.get(id);
      if (!h || hostKey(h, targetOf(h)) !== entry.key) {
        realisers.delete(id);
        byDpid.delete(entry.realiser.dpid);
        void entry.realiser.close();
        log.info({ host: id }, h ? "host changed: realiser restarted" : "host left the model: realiser stopped");
      }
    }
    for (const [id, h] of wanted) {
      const entry = realisers.get(id);
      if (entry) {
        entry.realiser.setModel(next);
        continue;
      }
      let realiser: OvsHostRealiser;
      try {
        realiser = newRealiser(id, h, next);
      } catch (err) {
        // A host the realiser cannot even start for (an OVSDB target it cannot parse) is reported
        // and skipped; the other hosts go on.
        log.error({ host: id, err: err instanceof Error ? err.message : String(err) }, "cannot realise host");
        continue;
      }
      realisers.set(id, { key: hostKey(h, targetOf(h)), realiser });
      byDpid.set(realiser.dpid, realiser);
      // A switch that connected before its host entered the model.
      const sw = opts.controller.switchByDpid(realiser.dpid);
      if (sw) realiser.attach(sw);
    }
    if (opts.bridge) void Promise.resolve(opts.bridge.apply(next)).catch((err: unknown) => log.warn({ err: String(err) }, "bridge backend apply failed"));
  };

  const newRealiser = (id: string, h: Host, next: NetworkModel): OvsHostRealiser => {
    const ovsdb = opts.ovsdbFor?.(h);
    return new OvsHostRealiser({
      hostId: id,
      model: next,
      controllerTarget: targetOf(h),
      ...(ovsdb ? { ovsdb } : {}),
      ...(opts.datapathType ? { datapathType: opts.datapathType } : {}),
      ...(opts.reconcileIntervalMs !== undefined ? { reconcileIntervalMs: opts.reconcileIntervalMs } : {}),
      ...(opts.controllerRateLimit !== undefined ? { controllerRateLimit: opts.controllerRateLimit } : {}),
      ...(opts.controllerBurstLimit !== undefined ? { controllerBurstLimit: opts.controllerBurstLimit } : {}),
      logger: log.child({ host: id }),
      ...(opts.onReport ? { onReport: opts.onReport } : {}),
    });
  };

  const onUp = (sw: Switch) => {
    const r = byDpid.get(sw.dpid);
    if (r) r.attach(sw);
    else log.warn({ dpid: sw.dpidHex }, "a switch connected that is no host's br-int: left alone");
  };
  const onDown = (sw: Switch) => byDpid.get(sw.dpid)?.detach(sw);
  const stops: Array<() => void> = [opts.controller.on("switch_up", onUp), opts.controller.on("switch_down", onDown)];

  let dhcp: TenantDhcpApp | null = null;
  if (opts.dhcp !== false) {
    dhcp = new TenantDhcpApp({ lookup: (dpid, ofport) => byDpid.get(dpid)?.portAt(ofport), logger: log.child({ app: "dhcp" }) });
    stops.push(opts.controller.use(dhcp));
  }

  sync(opts.model);
  if (opts.subscribe) stops.push(opts.subscribe((m) => !closed && sync(m)));

  return {
    update: (m) => {
      if (!closed) sync(m);
    },
    async settled(timeoutMs = 30_000) {
      // A pass may cause another (an OVSDB change it made comes back as a row change): wait until
      // every realiser stays quiet for a moment.
      const end = Date.now() + timeoutMs;
      for (;;) {
        if (Date.now() > end) throw new Error(`realisers still busy after ${timeoutMs} ms`);
        const all = [...realisers.values()].map((e) => e.realiser);
        await Promise.all(all.map((r) => r.idle()));
        await new Promise((r) => setTimeout(r, 30));
        if (all.every((r) => !r.busy)) return;
      }
    },
    async reconcile() {
      const all = [...realisers.values()].map((e) => e.realiser);
      const reports = await Promise.all(all.map((r) => r.reconcile()));
      if (opts.bridge) await opts.bridge.reconcile();
      return reports;
    },
    status: () => [...realisers.values()].map((e) => e.realiser.status()),
    realiser: (hostId) => realisers.get(hostId)?.realiser,
    dhcp,
    async close() {
      closed = true;
      for (const stop of stops.splice(0)) stop();
      await Promise.all([...realisers.values()].map((e) => e.realiser.close()));
      realisers.clear();
      byDpid.clear();
      if (opts.bridge) await opts.bridge.close();
    },
  };
}
