// Feeds the live view from what is observed, once per interval: for every connected switch of an
// OVS host, FLOW_STATS, PORT_STATS, GROUP_DESC and GROUP_STATS through the controller's multipart;
// the topology's switches, tunnels and host statuses from the realisers (live-topology.ts).
//
// One poll at a time: a slow switch delays the next poll rather than piling requests up. A switch
// that fails to answer is skipped for this round (it is logged once per failure streak).
import { OFPG } from "../../openflow/index";
import type { Controller } from "../controller/controller";
import type { Switch } from "../controller/api";
import type { InventoryStore } from "../inventory/types";
import { groupLive, observedFlow, observedPortStats } from "../live/observe";
import type { LiveView } from "../live/view";
import type { Logger } from "../log";
import type { HostStatus as RealiserStatus } from "../realise/host";
import { ALL_FLOWS, ALL_GROUP_DESCS } from "../realise/program";
import { allTunnels, liveHostStatuses, liveSwitches } from "./live-topology";

export interface LiveFeedOptions {
  controller: Controller;
  store: InventoryStore;
  live: LiveView;
  /** The OVS realisers' statuses now. */
  statuses: () => readonly RealiserStatus[];
  /** Whether a kernel-bridge host's last pass succeeded. */
  bridgeUp: (hostId: string) => boolean;
  /** Leases the DHCP apps have handed out (for /metrics). */
  dhcpLeases?: () => number;
  intervalMs?: number;
  /** Per-switch timeout of each stats request. */
  requestTimeoutMs?: number;
  logger: Logger;
}

export interface LiveFeed {
  /** Runs one poll now (the timer runs them anyway); resolves when it is done. */
  poll(): Promise<void>;
  close(): void;
}

const PORT_ANY = 0xffffffff;

export function startLiveFeed(opts: LiveFeedOptions): LiveFeed {
  const interval = opts.intervalMs ?? 1000;
  const timeoutMs = opts.requestTimeoutMs ?? 5000;
  const failing = new Set<string>();
  const seen = new Set<string>();
  let lastTopology = "";
  let lastHosts = new Map<string, string>();
  let running: Promise<void> | null = null;
  let closed = false;

  const pollSwitch = async (sw: Switch) => {
    const now = Date.now();
    const [flows, ports, descs, gstats] = await Promise.all([
      sw.multipart(ALL_FLOWS, { timeoutMs }),
      sw.multipart({ kind: "port_stats", portNo: PORT_ANY }, { timeoutMs }),
      sw.multipart(ALL_GROUP_DESCS, { timeoutMs }),
      sw.multipart({ kind: "group", groupId: OFPG.ALL }, { timeoutMs }),
    ]);
    if (closed) return;
    opts.live.flowsChanged(sw.dpidHex, flows.flows.map(observedFlow), now);
    opts.live.portStats(sw.dpidHex, ports.ports.map(observedPortStats), now);
    const statsOf = new Map(gstats.groups.map((g) => [g.groupId, g]));
    opts.live.groupsChanged(
      sw.dpidHex,
      descs.groups.map((d) => groupLive(d, statsOf.get(d.groupId))),
    );
  };

  const once = async () => {
    const state = opts.store.state();
    const statuses = opts.statuses();
    // Topology first, so that a tenant's filter knows its ports before their counters arrive.
    const switches = liveSwitches(state, { statuses, portsOf: (dpid) => opts.controller.switchByDpid(dpid)?.ports.values() });
    const tunnels = allTunnels(state, statuses, opts.bridgeUp);
    const topo = JSON.stringify([switches, tunnels]);
    if (topo !== lastTopology) {
      lastTopology = topo;
      opts.live.topologyChanged({ switches, tunnels });
    }
    const hosts = new Map<string, string>();
    for (const { name, status } of liveHostStatuses(state, statuses, opts.bridgeUp)) {
      const key = JSON.stringify(status);
      hosts.set(name, key);
      // A host whose switch left keeps no stale datapath id.
      if (lastHosts.get(name) !== key) opts.live.hostStatus(name, status.openflowConnected ? status : { ...status, dpid: undefined });
    }
    lastHosts = hosts;
    if (opts.dhcpLeases) opts.live.dhcpLeases(opts.dhcpLeases());

    const connected = new Set<string>();
    await Promise.all(
      statuses.map(async (s) => {
        const sw = opts.controller.switchByDpid(s.dpid);
        if (!sw || !sw.connected) return;
        connected.add(s.dpid);
        try {
          await pollSwitch(sw);
          if (failing.delete(s.dpid)) opts.logger.info({ dpid: s.dpid }, "live stats answered again");
        } catch (err) {
          if (!failing.has(s.dpid)) opts.logger.warn({ dpid: s.dpid, err: err instanceof Error ? err.message : String(err) }, "live stats request failed");
          failing.add(s.dpid);
        }
      }),
    );
    // Switches that went away: their flows and counters leave the view.
    for (const dpid of seen) if (!connected.has(dpid)) opts.live.switchGone(dpid);
    seen.clear();
    for (const d of connected) seen.add(d);
  };

  const poll = () => {
    if (closed) return Promise.resolve();
    running ??= once()
      .catch((err: unknown) => opts.logger.error({ err: err instanceof Error ? err.message : String(err) }, "live feed poll failed"))
      .finally(() => {
        running = null;
      });
    return running;
  };

  const timer = setInterval(() => void poll(), interval);
  timer.unref();
  void poll();
  return {
    poll,
    close() {
      closed = true;
      clearInterval(timer);
    },
  };
}
