// Flows: one switch's live flow table in ovs-ofctl form with counters and rates, filters by
// tenant, VM and table, and the "why" trace between two VMs.
import { flowText } from "../../src/live/text";
import type { FlowLive } from "../../src/live/types";
import type { TraceResult } from "../../src/api/wire-types";
import { api, ApiError } from "./api";
import { tenantColor } from "./colors";
import { bitRate, clear, h, si } from "./dom";
import type { LiveClient } from "./live";
import { switchOrder } from "./rows";

const MAX_ROWS = 1000;

export function mountFlows(root: HTMLElement, live: LiveClient, params: URLSearchParams): () => void {
  const swSel = h("select", { id: "flows-switch", "aria-label": "switch" });
  const tenantSel = h("select", { id: "flows-tenant", "aria-label": "tenant" });
  const vmSel = h("select", { id: "flows-vm", "aria-label": "VM" });
  const tableSel = h("select", { id: "flows-table", "aria-label": "table" });
  const text = h("input", { id: "flows-text", type: "search", placeholder: "text filter (e.g. dl_dst=, tp_dst=67)" });
  const summary = h("span", { class: "muted", id: "flows-summary" });
  const body = h("tbody");
  const table = h(
    "table",
    { class: "flows", id: "flows-table-view" },
    h("thead", {}, h("tr", {}, h("th", {}, "table"), h("th", {}, "prio"), h("th", { class: "num" }, "packets"), h("th", { class: "num" }, "bytes"), h("th", { class: "num" }, "pkt/s"), h("th", { class: "num" }, "rate"), h("th", {}, "flow"))),
    body,
  );

  // ---- why ----
  const fromSel = h("select", { id: "why-from", "aria-label": "from VM" });
  const toSel = h("select", { id: "why-to", "aria-label": "to VM" });
  const protoSel = h("select", { id: "why-proto", "aria-label": "protocol" }, ...["icmp", "tcp", "udp", "arp"].map((p) => h("option", { value: p }, p)));
  const whyOut = h("div", { id: "why-result", class: "why-result" });
  const whyForm = h(
    "form",
    { class: "why", id: "why-form" },
    h("strong", {}, "Why? "),
    "trace a packet from ",
    fromSel,
    " to ",
    toSel,
    " ",
    protoSel,
    " ",
    h("button", { type: "submit" }, "Trace"),
  );
  whyForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    clear(whyOut);
    whyOut.append(h("span", { class: "muted" }, "tracing…"));
    api<TraceResult>("POST", "/api/trace", { from: fromSel.value, to: toSel.value, protocol: protoSel.value }).then(
      (r) => {
        clear(whyOut);
        whyOut.append(
          h("ol", { class: "steps" }, ...r.steps.map((s) => h("li", {}, h("span", { class: "tag" }, `${s.host} · ${s.table} (${s.tableId})`), " ", h("code", {}, `priority=${s.priority},${s.match} actions=${s.actions}`), s.owner ? h("span", { class: "muted" }, `  ← ${s.owner}`) : null))),
          h("p", { class: r.delivered ? "verdict ok" : "verdict bad" }, r.verdict),
        );
      },
      (err: unknown) => {
        clear(whyOut);
        whyOut.append(h("p", { class: "error" }, err instanceof ApiError ? err.message : String(err)));
      },
    );
  });

  root.append(
    h("div", { class: "toolbar" }, h("label", {}, "Switch ", swSel), h("label", {}, "Tenant ", tenantSel), h("label", {}, "VM ", vmSel), h("label", {}, "Table ", tableSel), text, summary),
    h("div", { class: "flows-wrap" }, table),
    whyForm,
    whyOut,
  );

  const fill = (sel: HTMLSelectElement, options: Array<[string, string]>, keep: string) => {
    const current = sel.value || keep;
    clear(sel);
    for (const [value, label] of options) sel.append(h("option", { value }, label));
    if (options.some(([v]) => v === current)) sel.value = current;
  };

  const refreshChoices = () => {
    const t = live.topology;
    // Listed by host name (h1 before h2), as an operator reads them, not by datapath id.
    const hostOf = (d: string) => t.switches.find((s) => s.dpid === d)?.host ?? "~";
    const dpids = [...new Set([...t.switches.map((s) => s.dpid), ...live.flows.keys()])].sort((a, b) => switchOrder(hostOf(a), a, hostOf(b), b));
    fill(swSel, dpids.map((d) => [d, `${t.switches.find((s) => s.dpid === d)?.host ?? "?"} · ${t.switches.find((s) => s.dpid === d)?.name ?? ""} ${d}`]), params.get("dpid") ?? "");
    const tenants = [...new Set(t.vms.map((v) => v.tenant).concat(t.networks.map((n) => n.tenant)))].sort();
    fill(tenantSel, [["", "all"], ...tenants.map((x): [string, string] => [x, x])], "");
    fill(vmSel, [["", "all"], ...t.vms.map((v): [string, string] => [v.name, v.name])], "");
    const vms = t.vms.map((v): [string, string] => [v.id, `${v.name} (${v.tenant})`]);
    fill(fromSel, vms, "");
    fill(toSel, vms, vms[1]?.[0] ?? "");
  };

  const render = () => {
    const flows = [...(live.flows.get(swSel.value)?.values() ?? [])];
    const tables = [...new Set(flows.map((f) => f.tableId))].sort((a, b) => a - b);
    fill(tableSel, [["", "all"], ...tables.map((x): [string, string] => [String(x), String(x)])], "");
    const needle = text.value.trim();
    const vm = vmSel.value;
    const vmRecord = live.topology.vms.find((v) => v.name === vm);
    const macs = vmRecord?.nics.map((n) => n.mac) ?? [];
    const shown = flows
      .filter(
        (f) =>
          (!tenantSel.value || f.tenant === tenantSel.value) &&
          (!tableSel.value || f.tableId === Number(tableSel.value)) &&
          (!vm || f.vm === vm || f.vm === vmRecord?.id || macs.some((m) => f.match.includes(m) || f.actions.includes(m))) &&
          (!needle || flowText(f).includes(needle)),
      )
      .sort((a, b) => a.tableId - b.tableId || b.priority - a.priority || a.id - b.id);
    const visible = shown.slice(0, MAX_ROWS);
    const signature = visible.map((f) => f.id).join(",");
    if (signature === drawn) {
      // Same rows in the same order (the common case: only counters moved): patch the cells.
      visible.forEach((f, i) => updateRow(body.rows[i]!, f));
    } else {
      clear(body);
      const frag = document.createDocumentFragment();
      for (const f of visible) frag.append(flowRow(f));
      body.append(frag);
      drawn = signature;
    }
    summary.textContent = `${shown.length} of ${flows.length} flows${shown.length > MAX_ROWS ? ` (first ${MAX_ROWS} shown)` : ""}`;
    table.dataset.rows = String(visible.length);
    lastRender = performance.now();
  };
  let drawn = "";
  let lastRender = 0;

  const flowRow = (f: FlowLive) => {
    const row = h(
      "tr",
      { "data-flow": f.id },
      h("td", {}, f.tableId),
      h("td", {}, f.priority),
      h("td", { class: "num" }),
      h("td", { class: "num" }),
      h("td", { class: "num" }),
      h("td", { class: "num" }),
      h("td", { class: "mono" }, f.tenant ? h("i", { class: "swatch", style: `background:${tenantColor(f.tenant)}`, title: f.tenant }) : null, h("span")),
    );
    updateRow(row, f);
    return row;
  };

  /** Writes a flow's counters into its row; touches the DOM only where text changed. */
  const updateRow = (row: HTMLTableRowElement, f: FlowLive) => {
    const set = (el: Element | null | undefined, text: string) => {
      if (el && el.textContent !== text) el.textContent = text;
    };
    const cells = row.cells;
    set(cells[2], si(f.packets));
    set(cells[3], si(f.bytes, "B"));
    set(cells[4], f.pps ? si(f.pps) : "");
    set(cells[5], f.bps ? bitRate(f.bps) : "");
    set(cells[6]?.lastElementChild, flowText(f));
    row.classList.toggle("hot", f.pps > 0);
  };

  // Counter updates can arrive for thousands of flows a second: draw at most twice a second,
  // at once when the last drawing is older than that, else when it is due.
  const MIN_INTERVAL_MS = 500;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    if (timer) return;
    const wait = Math.max(0, MIN_INTERVAL_MS - (performance.now() - lastRender));
    timer = setTimeout(() => {
      timer = undefined;
      render();
    }, wait);
  };
  for (const el of [swSel, tenantSel, vmSel, tableSel]) el.addEventListener("change", render);
  text.addEventListener("input", schedule);
  const offs = [
    live.on("topology", () => {
      refreshChoices();
      schedule();
    }),
    live.on("flows", (dpid) => {
      if (!swSel.value) refreshChoices();
      if (dpid === swSel.value) schedule();
    }),
  ];
  refreshChoices();
  render();
  return () => {
    offs.forEach((off) => off());
    if (timer) clearTimeout(timer);
  };
}
