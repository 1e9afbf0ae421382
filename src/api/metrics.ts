// Prometheus metrics in the text exposition format (version 0.0.4), written by hand: a handful of
// gauges from the live view and the inventory, and one histogram of API latency per route.
import type { FastifyInstance } from "fastify";
import type { InventoryState } from "../inventory/types";
import type { LiveView } from "../live/view";

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export class ApiLatency {
  private readonly byKey = new Map<string, Histogram>();

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `method="${method}",route="${escape(route)}",status="${Math.floor(status / 100)}xx"`;
    let h = this.byKey.get(key);
    if (!h) this.byKey.set(key, (h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) h!.counts[i]!++;
    });
    h.sum += seconds;
    h.count++;
  }

  render(): string[] {
    const lines = [
      "# HELP vnet_api_request_duration_seconds Time to answer API requests.",
      "# TYPE vnet_api_request_duration_seconds histogram",
    ];
    for (const [key, h] of this.byKey) {
      BUCKETS.forEach((b, i) => lines.push(`vnet_api_request_duration_seconds_bucket{${key},le="${b}"} ${h.counts[i]}`));
      lines.push(`vnet_api_request_duration_seconds_bucket{${key},le="+Inf"} ${h.count}`);
      lines.push(`vnet_api_request_duration_seconds_sum{${key}} ${h.sum}`);
      lines.push(`vnet_api_request_duration_seconds_count{${key}} ${h.count}`);
    }
    return lines;
  }
}

function escape(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Pure: the metrics page for a live view and an inventory state. */
export function renderMetrics(live: LiveView, state: InventoryState, latency: ApiLatency): string {
  const m = live.metrics();
  const lines: string[] = [
    "# HELP vnet_switches_connected OpenFlow switches currently connected.",
    "# TYPE vnet_switches_connected gauge",
    `vnet_switches_connected ${m.switchesConnected}`,
    "# HELP vnet_flows Flows installed per switch, as last dumped.",
    "# TYPE vnet_flows gauge",
    ...[...m.flowsPerSwitch].map(([dpid, n]) => `vnet_flows{dpid="${dpid}"} ${n}`),
    "# HELP vnet_packet_in_total PACKET_IN messages received per switch (use rate() for the rate).",
    "# TYPE vnet_packet_in_total counter",
    ...[...m.packetIns].map(([dpid, n]) => `vnet_packet_in_total{dpid="${dpid}"} ${n}`),
    "# HELP vnet_dhcp_leases Active DHCP leases handed out by the controller.",
    "# TYPE vnet_dhcp_leases gauge",
    `vnet_dhcp_leases ${m.dhcpLeases}`,
    "# HELP vnet_inventory_objects Objects in the inventory by kind.",
    "# TYPE vnet_inventory_objects gauge",
    `vnet_inventory_objects{kind="host"} ${state.model.hosts.length}`,
    `vnet_inventory_objects{kind="tenant"} ${state.model.tenants.length}`,
    `vnet_inventory_objects{kind="network"} ${state.model.networks.length}`,
    `vnet_inventory_objects{kind="vm"} ${state.vms.length}`,
    `vnet_inventory_objects{kind="port"} ${state.model.ports.length}`,
    ...latency.render(),
  ];
  return lines.join("\n") + "\n";
}

export async function metricsPlugin(app: FastifyInstance): Promise<void> {
  const latency = new ApiLatency();
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    if (route === "/metrics") return;
    latency.observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
  app.get("/metrics", { schema: { tags: ["metrics"], summary: "Prometheus metrics (text exposition format 0.0.4; no authentication)", response: { 200: { type: "string" } } } }, async (_request, reply) => {
    reply.type("text/plain; version=0.0.4; charset=utf-8");
    return renderMetrics(app.live, app.store.state(), latency);
  });
}
