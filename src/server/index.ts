// The composition root: one process that runs all of vnet.
//
//   inventory (SQLite, data dir) ──► model snapshots ──► startRealisation
//        ▲ API writes                                      ├─ OVS hosts: OvsHostRealiser (OVSDB + the controller)
//        │                                                 └─ bridge hosts: KernelRealiser (agents over netlink)
//   REST API + dashboard ◄── live view ◄── live feed (stats by multipart, realiser statuses)
//        └── VM drivers (netns, libvirt)
//
//   const vnet = await startVnet({ dataDir, api: { port: 7080 }, controller: { host: "0.0.0.0", port: 6653 } });
//   ...; await vnet.close();
//
// Start order: the controller listens first (a port in use fails before anything else is made),
// then the API opens and locks the inventory, then the realisers read it and program the hosts.
// Close goes the other way. Restarting over the same data directory finds the same hosts, VMs and
// networks; switches that kept their flows get nothing new (the realisers' first pass is a full
// read-and-diff), so traffic does not notice.
import type { AddressInfo } from "node:net";
import { pipelineTracer } from "../api/pipeline-tracer";
import type { RunningServer } from "../api/server";
import { serve } from "../cli/commands/serve";
import { Controller } from "../controller/controller";
import { assertDataDirFree } from "../inventory/lock";
import type { SqliteInventory } from "../inventory/sqlite";
import { KernelRealiser } from "../kernel/realiser";
import type { LiveView } from "../live/view";
import { createLogger, type Logger } from "../log";
import type { NetworkModel } from "../model/types";
import type { DatapathType } from "../ovsdb/vswitch";
import { compile } from "../pipeline/compile";
import type { SwitchView } from "../pipeline/trace";
import { startRealisation, type Realisation } from "../realise/index";
import { createVmDrivers, type VmDrivers } from "../vm/index";
import { checkControllerTarget, chooseControllerTarget, kernelHostNetns } from "./where";
import { startLiveFeed, type LiveFeed } from "./live-feed";

export { parseListen, chooseControllerTarget, checkControllerTarget } from "./where";

export interface VnetOptions {
  dataDir: string;
  api?: { host?: string; port?: number; tlsCert?: string; tlsKey?: string; dashboard?: boolean; buildDashboard?: boolean };
  controller?: {
    /** Address the OpenFlow listener binds (default 0.0.0.0). */
    host?: string;
    /** Default 6653; 0 picks a free port. */
    port?: number;
    /** What every br-int's Controller row points at; default derived from the listen address. */
    target?: string;
  };
  /** br-int's datapath type on OVS hosts (default netdev: the userspace datapath). */
  datapathType?: DatapathType;
  /** Live view refresh (ms, default 1000). */
  liveIntervalMs?: number;
  /** Full re-read of every host this often (ms, default 30 s). */
  reconcileIntervalMs?: number;
  logger?: Logger;
}

export interface Vnet {
  /** The API's base URL. */
  url: string;
  /** Where the OpenFlow listener is bound. */
  controllerAddress: AddressInfo;
  /** What br-ints are told to connect to. */
  controllerTarget: string;
  store: SqliteInventory;
  live: LiveView;
  controller: Controller;
  realisation: Realisation;
  kernel: KernelRealiser;
  drivers: VmDrivers;
  server: RunningServer;
  /** Waits until every OVS realiser is idle (tests, the demo). */
  settled(timeoutMs?: number): Promise<void>;
  /** Refreshes the live view now. */
  refreshLive(): Promise<void>;
  close(): Promise<void>;
}

/** What each OVS host's switch holds by the realisers' account: the pipeline tracer's input. */
function switchViews(model: NetworkModel, realisation: Realisation): Map<string, SwitchView> {
  const out = new Map<string, SwitchView>();
  for (const s of realisation.status()) {
    if (!s.wiring) continue;
    out.set(s.hostId, { desired: compile(model, s.hostId, s.wiring), wiring: s.wiring });
  }
  return out;
}

export async function startVnet(opts: VnetOptions): Promise<Vnet> {
  const log = opts.logger ?? createLogger("vnet");
  const undo: Array<() => Promise<void> | void> = [];
  const unwind = async () => {
    for (const step of undo.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, "shutdown step failed");
      }
    }
  };

  // A bad target would only surface later, as every host's OVSDB transaction failing.
  if (opts.controller?.target !== undefined) checkControllerTarget(opts.controller.target);
  // A second vnet on the same inventory would otherwise fail first on the controller's port.
  assertDataDirFree(opts.dataDir);

  try {
    const controller = new Controller({ logger: log.child({ part: "controller" }) });
    undo.push(() => controller.close());
    const listenHost = opts.controller?.host ?? "0.0.0.0";
    const listenPort = opts.controller?.port ?? 6653;
    const controllerAddress = await controller.listenTcp(listenPort, listenHost).catch((err: unknown) => {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === "EADDRINUSE" ? "the port is in use (another vnet or OpenFlow controller?)" : code === "EADDRNOTAVAIL" ? "no interface of this machine has that address" : String((err as Error).message ?? err);
      throw new Error(`the OpenFlow controller cannot listen on ${listenHost}:${listenPort}: ${why}`);
    });
    const controllerTarget = opts.controller?.target ?? chooseControllerTarget(listenHost, controllerAddress.port);

    const drivers = createVmDrivers({ dataDir: opts.dataDir });
    undo.push(() => drivers.close());

    let realisation: Realisation | null = null;
    let store: SqliteInventory | null = null;
    const tracer = pipelineTracer(
      () => store!.state(),
      () => (realisation && store ? switchViews(store.state().model, realisation) : new Map()),
    );
    const server = await serve({
      dataDir: opts.dataDir,
      ...(opts.api?.host ? { host: opts.api.host } : {}),
      port: opts.api?.port ?? 0,
      ...(opts.api?.tlsCert ? { tlsCert: opts.api.tlsCert } : {}),
      ...(opts.api?.tlsKey ? { tlsKey: opts.api.tlsKey } : {}),
      dashboard: opts.api?.dashboard ?? true,
      ...(opts.api?.buildDashboard !== undefined ? { buildDashboard: opts.api.buildDashboard } : {}),
      drivers: drivers.resolve,
      tracer,
    });
    undo.push(() => server.close());
    store = server.store;
    const inventory = server.store;
    const live = server.live;

    const kernel = new KernelRealiser({
      netnsOf: (hostId) => kernelHostNetns(inventory.state().model, hostId),
      ...(opts.reconcileIntervalMs ? { reconcileIntervalMs: opts.reconcileIntervalMs } : {}),
      onReport: (r) => {
        if (r.failure || r.errors.length) log.warn({ host: r.hostId, failure: r.failure, errors: r.errors }, "kernel-bridge pass failed");
      },
    });
    undo.push(() => kernel.close());
    const kernelUp = (hostId: string) => {
      const r = kernel.status().find((x) => x.hostId === hostId);
      return r !== undefined && !r.failure && r.errors.length === 0;
    };
    realisation = startRealisation({
      model: inventory.state().model,
      subscribe: (listener) => inventory.onChange((state) => listener(state.model)),
      controller,
      controllerTarget,
      bridge: kernel,
      ...(opts.datapathType ? { datapathType: opts.datapathType } : {}),
      ...(opts.reconcileIntervalMs !== undefined ? { reconcileIntervalMs: opts.reconcileIntervalMs } : {}),
      logger: log.child({ part: "realise" }),
    });
    const r = realisation;
    undo.push(() => r.close());

    const stopPacketIns = controller.on("packet_in", (sw) => live.packetIns(sw.dpidHex, 1));
    undo.push(stopPacketIns);
    const feed: LiveFeed = startLiveFeed({
      controller,
      store: inventory,
      live,
      statuses: () => r.status(),
      bridgeUp: kernelUp,
      dhcpLeases: () => r.dhcp?.leases.size ?? 0,
      ...(opts.liveIntervalMs ? { intervalMs: opts.liveIntervalMs } : {}),
      logger: log.child({ part: "live" }),
    });
    undo.push(() => feed.close());

    let closing: Promise<void> | null = null;
    return {
      url: server.url,
      controllerAddress,
      controllerTarget,
      store: inventory,
      live,
      controller,
      realisation: r,
      kernel,
      drivers,
      server,
      settled: (timeoutMs) => r.settled(timeoutMs),
      refreshLive: () => feed.poll(),
      close() {
        closing ??= unwind();
        return closing;
      },
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}
