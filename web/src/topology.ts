// Topology: hosts as boxes holding their switch and VMs, tunnels between switches, VMs coloured
// by tenant, NIC links labelled with live traffic rates. Click anything for its details.
import cytoscape, { type Core, type ElementDefinition } from "cytoscape";
import { tenantColor } from "./colors";
import { bitRate, clear, h } from "./dom";
import type { LiveClient } from "./live";
import { shortName } from "./rows";
import type { HostLive, SwitchLive, VmLive } from "../../src/live/types";

const STYLE: cytoscape.StylesheetJson = [
  {
    selector: "node",
    style: { "font-family": "Inter, system-ui, sans-serif", "font-size": 11, color: "#1d2430", "text-wrap": "wrap" },
  },
  {
    selector: "node.host",
    style: {
      shape: "round-rectangle",
      "background-color": "#f4f6fa",
      "border-color": "#9aa5b8",
      "border-width": 1.5,
      label: "data(label)",
      "text-valign": "top",
      "text-halign": "center",
      "font-weight": "bold",
      "font-size": 12,
      padding: "18px",
    },
  },
  { selector: "node.host.down", style: { "border-style": "dashed", "border-color": "#c0392b" } },
  {
    selector: "node.switch",
    style: {
      shape: "round-rectangle",
      width: 86,
      height: 30,
      "background-color": "#1d2430",
      color: "#ffffff",
      label: "data(label)",
      "text-valign": "center",
      "font-size": 10,
    },
  },
  { selector: "node.switch.disconnected", style: { "background-color": "#8a94a6" } },
  {
    selector: "node.vm",
    style: {
      shape: "ellipse",
      width: 26,
      height: 26,
      "background-color": "data(color)",
      label: "data(label)",
      "text-valign": "bottom",
      "text-margin-y": 4,
      "font-size": 10,
    },
  },
  { selector: "node.vm.stopped", style: { "background-opacity": 0.35, "border-width": 2, "border-color": "data(color)" } },
  {
    selector: "edge",
    style: {
      width: 2,
      "curve-style": "bezier",
      "line-color": "data(color)",
      label: "data(label)",
      "font-size": 9,
      color: "#3b4556",
      "text-background-color": "#ffffff",
      "text-background-opacity": 0.85,
      "text-background-padding": "2px",
    },
  },
  { selector: "edge.tunnel", style: { "line-style": "dashed", width: 3, "line-color": "#5c6b73" } },
  { selector: "edge.tunnel.down", style: { "line-color": "#c0392b" } },
  { selector: ":selected", style: { "overlay-color": "#2e86ab", "overlay-opacity": 0.18, "overlay-padding": 6 } },
];

/** Which switch node stands for a host: the observed switch, or a placeholder until one connects. */
function switchNodeId(host: string, switches: SwitchLive[]): string {
  const sw = switches.find((s) => s.host === host);
  return sw ? `sw:${sw.dpid}` : `hsw:${host}`;
}

export function topologyElements(live: LiveClient): ElementDefinition[] {
  const t = live.topology;
  const els: ElementDefinition[] = [];
  for (const host of t.hosts) {
    const down = !host.ovsdbConnected && !host.openflowConnected;
    els.push({ data: { id: `host:${host.name}`, label: `${host.name}  ·  ${host.backend}`, kind: "host", ref: host.name }, classes: down ? "host down" : "host" });
    if (!t.switches.some((s) => s.host === host.name)) {
      els.push({
        data: { id: `hsw:${host.name}`, parent: `host:${host.name}`, label: host.backend === "ovs" ? "br-int" : "bridges", kind: "host", ref: host.name },
        classes: "switch disconnected",
      });
    }
  }
  const hostNames = new Set(t.hosts.map((x) => x.name));
  for (const sw of t.switches) {
    els.push({
      data: { id: `sw:${sw.dpid}`, ...(hostNames.has(sw.host) ? { parent: `host:${sw.host}` } : {}), label: sw.name, kind: "switch", ref: sw.dpid },
      classes: sw.connected ? "switch" : "switch disconnected",
    });
  }
  for (const vm of t.vms) {
    if (!hostNames.has(vm.host)) continue;
    const ips = vm.nics.map((n) => n.ip).filter(Boolean).join("\n");
    els.push({
      data: { id: `vm:${vm.id}`, parent: `host:${vm.host}`, label: ips ? `${shortName(vm.name)}\n${ips}` : shortName(vm.name), color: tenantColor(vm.tenant), kind: "vm", ref: vm.id },
      classes: vm.state === "running" ? "vm" : "vm stopped",
    });
    const swId = switchNodeId(vm.host, t.switches);
    const rate = vmRate(live, vm);
    els.push({
      data: { id: `nic:${vm.id}`, source: `vm:${vm.id}`, target: swId, color: tenantColor(vm.tenant), label: rate === null ? "" : bitRate(rate), kind: "vm", ref: vm.id },
    });
  }
  // One edge per host pair, whichever direction(s) the realiser reports.
  const seen = new Set<string>();
  for (const tun of t.tunnels) {
    const pair = [tun.fromHost, tun.toHost].sort().join("|");
    if (seen.has(pair) || !hostNames.has(tun.fromHost) || !hostNames.has(tun.toHost)) continue;
    seen.add(pair);
    const rate = tunnelRate(live, tun.fromHost, tun.id);
    els.push({
      data: {
        id: `tun:${pair}`,
        source: switchNodeId(tun.fromHost, t.switches),
        target: switchNodeId(tun.toHost, t.switches),
        label: `${tun.kind}${rate === null ? "" : "  " + bitRate(rate)}`,
        color: "#5c6b73",
        kind: "tunnel",
        ref: tun.id,
      },
      classes: tun.up ? "tunnel" : "tunnel down",
    });
  }
  return els;
}

/** rx+tx bytes/s of the switch port that carries this VM's NIC, when the switch reports one. */
function vmRate(live: LiveClient, vm: VmLive): number | null {
  for (const sw of live.topology.switches) {
    const port = sw.ports.find((p) => p.vm === vm.name || p.vm === vm.id);
    const rate = port ? live.ports.get(sw.dpid)?.get(port.portNo) : undefined;
    if (rate) return rate.rxBps + rate.txBps;
  }
  return null;
}

function tunnelRate(live: LiveClient, host: string, tunnelId: string): number | null {
  const sw = live.topology.switches.find((s) => s.host === host);
  const port = sw?.ports.find((p) => p.tunnel === tunnelId);
  const rate = sw && port ? live.ports.get(sw.dpid)?.get(port.portNo) : undefined;
  return rate ? rate.rxBps + rate.txBps : null;
}

export function mountTopology(root: HTMLElement, live: LiveClient): () => void {
  const graph = h("div", { class: "graph", id: "topology-graph" });
  const details = h("aside", { class: "details", id: "topology-details" }, h("p", { class: "muted" }, "Click a host, switch, VM or tunnel for its details."));
  const legend = h("div", { class: "legend", id: "topology-legend" });
  root.append(h("div", { class: "topology" }, h("div", { class: "graph-wrap" }, graph, legend), details));

  const cy: Core = cytoscape({ container: graph, style: STYLE, elements: [], minZoom: 0.2, maxZoom: 3 });
  // A handle for the browser console (and the browser tests): `vnetGraph.nodes()` etc.
  (globalThis as { vnetGraph?: Core }).vnetGraph = cy;
  let shape = "";
  let selected: { kind: string; ref: string } | null = null;

  const render = () => {
    const els = topologyElements(live);
    const nextShape = els.map((e) => `${e.data.id}>${e.data.parent ?? ""}>${e.data.source ?? ""}`).sort().join(",");
    if (nextShape !== shape) {
      // The set of things changed: rebuild and lay out again.
      shape = nextShape;
      cy.elements().remove();
      cy.add(els);
      cy.layout({ name: "cose", animate: false, padding: 30, nodeRepulsion: () => 9000, idealEdgeLength: () => 80, componentSpacing: 60 } as cytoscape.LayoutOptions).run();
      cy.fit(undefined, 30);
    } else {
      // Same shape: update labels, colours and classes in place (rates change every second).
      for (const e of els) {
        const el = cy.getElementById(e.data.id!);
        el.data(e.data);
        if (e.classes !== undefined) el.classes(e.classes as string);
      }
    }
    renderLegend();
    if (selected) showDetails(selected.kind, selected.ref);
    graph.dataset.nodes = String(cy.nodes().length);
    // For tests and for anyone inspecting the page: what the graph currently holds.
    graph.dataset.ids = cy.nodes().map((n) => n.id()).join(" ");
    graph.dataset.labels = cy.elements().map((e) => String(e.data("label") ?? "")).join("|");
  };

  const renderLegend = () => {
    clear(legend);
    const tenants = [...new Set([...live.topology.vms.map((v) => v.tenant), ...live.topology.networks.map((n) => n.tenant)])].sort();
    for (const t of tenants) legend.append(h("span", { class: "chip" }, h("i", { style: `background:${tenantColor(t)}` }), t));
    if (tenants.length === 0) legend.append(h("span", { class: "muted" }, "no tenants yet"));
  };

  const row = (k: string, v: string | number | boolean | undefined | null) => h("tr", {}, h("th", {}, k), h("td", {}, v === undefined || v === null || v === "" ? "–" : String(v)));
  const dot = (ok: boolean) => h("span", { class: ok ? "dot ok" : "dot bad" });

  const showDetails = (kind: string, ref: string) => {
    clear(details);
    const t = live.topology;
    if (kind === "host") {
      const host = t.hosts.find((x) => x.name === ref);
      if (!host) return;
      details.append(h("h3", {}, "Host ", h("b", {}, host.name)), hostTable(host, t.vms.filter((v) => v.host === host.name).length));
    } else if (kind === "switch") {
      const sw = t.switches.find((s) => s.dpid === ref);
      if (!sw) return;
      const rates = live.ports.get(sw.dpid);
      details.append(
        h("h3", {}, "Switch ", h("b", {}, sw.name)),
        h("table", { class: "kv" }, row("host", sw.host), row("datapath id", sw.dpid), row("connected", sw.connected)),
        h(
          "table",
          { class: "grid" },
          h("tr", {}, h("th", {}, "port"), h("th", {}, "name"), h("th", {}, "owner"), h("th", {}, "rx"), h("th", {}, "tx")),
          ...sw.ports.map((p) => {
            const r = rates?.get(p.portNo);
            return h("tr", {}, h("td", {}, p.portNo), h("td", {}, p.name), h("td", {}, p.vm ?? p.tunnel ?? ""), h("td", {}, r ? bitRate(r.rxBps) : "–"), h("td", {}, r ? bitRate(r.txBps) : "–"));
          }),
        ),
        h("a", { href: `#/flows?dpid=${sw.dpid}` }, "Flow table →"),
      );
    } else if (kind === "vm") {
      const vm = t.vms.find((v) => v.id === ref);
      if (!vm) return;
      details.append(
        h("h3", {}, "VM ", h("b", {}, vm.name)),
        h("table", { class: "kv" }, row("tenant", vm.tenant), row("host", vm.host), row("state", vm.state)),
        h(
          "table",
          { class: "grid" },
          h("tr", {}, h("th", {}, "network"), h("th", {}, "MAC"), h("th", {}, "IP"), h("th", {}, "netns")),
          ...vm.nics.map((n) => h("tr", {}, h("td", {}, n.network), h("td", { class: "mono" }, n.mac), h("td", { class: "mono" }, n.ip ?? "–"), h("td", {}, n.netns ?? "–"))),
        ),
      );
    } else if (kind === "tunnel") {
      const tun = t.tunnels.find((x) => x.id === ref);
      if (!tun) return;
      details.append(h("h3", {}, "Tunnel"), h("table", { class: "kv" }, row("between", `${tun.fromHost} ↔ ${tun.toHost}`), row("type", tun.kind), row("remote", tun.remoteIp), row("up", tun.up)));
    }
    function hostTable(host: HostLive, vmCount: number) {
      return h(
        "table",
        { class: "kv" },
        row("backend", host.backend),
        row("address", host.address),
        h("tr", {}, h("th", {}, "OVSDB"), h("td", {}, dot(host.ovsdbConnected), host.ovsdbConnected ? " connected" : " not connected")),
        h("tr", {}, h("th", {}, "OpenFlow"), h("td", {}, dot(host.openflowConnected), host.openflowConnected ? ` connected (${host.dpid ?? "?"})` : " not connected")),
        h("tr", {}, h("th", {}, "libvirt"), h("td", {}, dot(host.libvirtReachable), host.libvirtReachable ? " reachable" : " not reachable")),
        row("VMs", vmCount),
      );
    }
  };

  cy.on("tap", "node, edge", (evt) => {
    const d = evt.target.data() as { kind: string; ref: string };
    selected = { kind: d.kind, ref: d.ref };
    showDetails(d.kind, d.ref);
  });

  // Coalesce bursts of live events into one render; the timer is cleared when the view closes,
  // or it would render into a destroyed graph.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      render();
    }, 100);
  };
  const offs = [live.on("topology", schedule), live.on("ports", schedule)];
  const onResize = () => cy.resize();
  window.addEventListener("resize", onResize);
  render();
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    offs.forEach((off) => off());
    window.removeEventListener("resize", onResize);
    delete (globalThis as { vnetGraph?: Core }).vnetGraph;
    cy.destroy();
  };
}
