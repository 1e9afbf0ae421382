// Management: register hosts, create tenants, networks and VMs, start/stop/reboot/delete VMs. Lists come
// from the REST API and refresh whenever the live topology says the inventory changed. Errors
// from the API appear next to the field they name.
import { api, ApiError, type SessionInfo } from "./api";
import { tenantColor } from "./colors";
import { clear, h } from "./dom";
import type { LiveClient } from "./live";
import { vmActions } from "./rows";

type Obj = Record<string, unknown>;
const str = (v: unknown) => (v === null || v === undefined ? "" : String(v));

interface Field {
  name: string;
  label: string;
  placeholder?: string;
  options?: () => Array<[string, string]>;
  required?: boolean;
  hint?: string;
}

/** A form whose submit posts `toBody(values)` and shows API errors in place. */
function form(id: string, title: string, fields: Field[], submitLabel: string, submit: (v: Record<string, string>) => Promise<unknown>): { el: HTMLElement; refresh: () => void } {
  const general = h("p", { class: "error", role: "alert" });
  const inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
  const errors = new Map<string, HTMLElement>();
  const el = h("form", { class: "card form", id, novalidate: true }, h("h3", {}, title));
  for (const f of fields) {
    const input = f.options
      ? h("select", { name: f.name, id: `${id}-${f.name}` })
      : h("input", { name: f.name, id: `${id}-${f.name}`, placeholder: f.placeholder ?? "", autocomplete: "off" });
    const err = h("span", { class: "field-error", "data-for": f.name });
    inputs.set(f.name, input);
    errors.set(f.name, err);
    el.append(h("label", { class: "field" }, h("span", {}, f.label, f.required ? h("em", {}, " *") : null), input, f.hint ? h("small", { class: "muted" }, f.hint) : null, err));
  }
  const button = h("button", { type: "submit" }, submitLabel);
  el.append(h("div", { class: "actions" }, button), general);
  const refresh = () => {
    for (const f of fields) {
      const input = inputs.get(f.name);
      if (f.options && input instanceof HTMLSelectElement) {
        const keep = input.value;
        clear(input);
        for (const [v, label] of f.options()) input.append(h("option", { value: v }, label));
        if ([...input.options].some((o) => o.value === keep)) input.value = keep;
      }
    }
  };
  el.addEventListener("submit", (ev) => {
    ev.preventDefault();
    general.textContent = "";
    for (const e of errors.values()) e.textContent = "";
    for (const i of inputs.values()) i.classList.remove("invalid");
    const values: Record<string, string> = {};
    let missing = false;
    for (const f of fields) {
      values[f.name] = inputs.get(f.name)!.value.trim();
      if (f.required && !values[f.name]) {
        errors.get(f.name)!.textContent = `${f.label} is required`;
        inputs.get(f.name)!.classList.add("invalid");
        missing = true;
      }
    }
    if (missing) return;
    button.disabled = true;
    submit(values).then(
      () => {
        button.disabled = false;
        for (const f of fields) if (!f.options) inputs.get(f.name)!.value = "";
        general.textContent = "";
        el.dispatchEvent(new CustomEvent("saved"));
      },
      (err: unknown) => {
        button.disabled = false;
        if (!(err instanceof ApiError)) {
          general.textContent = String(err);
          return;
        }
        let placed = false;
        for (const d of err.details) {
          const key = d.path.replace(/^\[\d+\]\./, "").split(".")[0]!;
          const target = errors.get(key) ?? errors.get(FIELD_ALIASES[key] ?? "");
          if (target) {
            target.textContent = d.message;
            inputs.get(target.dataset.for!)?.classList.add("invalid");
            placed = true;
          }
        }
        if (!placed) general.textContent = err.message;
      },
    );
  });
  return { el, refresh };
}

// Model field names → form field names where they differ.
const FIELD_ALIASES: Record<string, string> = {
  segmentationId: "vni",
  managementAddress: "address",
  ovsdbTarget: "ovsdb",
  tunnelIp: "tunnelIp",
  tenantId: "tenant",
  hostId: "host",
  networkId: "network",
  mac: "mac",
  ip: "ip",
};

export function mountManage(root: HTMLElement, live: LiveClient, session: SessionInfo): () => void {
  const admin = session.role === "admin";
  let hosts: Obj[] = [];
  let tenants: Obj[] = [];
  let networks: Obj[] = [];
  let vms: Obj[] = [];

  const hostsBody = h("tbody");
  const netsBody = h("tbody");
  const vmsBody = h("tbody");
  const tenantsBody = h("tbody");
  const notice = h("p", { class: "error", id: "manage-error", role: "alert" });

  const hostForm = form(
    "host-form",
    "Register a host",
    [
      { name: "name", label: "Name", required: true, placeholder: "hv1" },
      { name: "address", label: "Management address", required: true, placeholder: "192.0.2.10" },
      { name: "ovsdb", label: "OVSDB target", required: true, placeholder: "tcp:192.0.2.10:6640" },
      { name: "backend", label: "Backend", options: () => [["ovs", "Open vSwitch"], ["bridge", "Linux bridge"]] },
      { name: "tunnelIp", label: "Tunnel endpoint", placeholder: "198.51.100.10" },
      { name: "uplink", label: "Uplink interface", placeholder: "eth1", hint: "for provider networks" },
      { name: "libvirt", label: "libvirt URI", placeholder: "qemu+ssh://root@hv1/system" },
    ],
    "Register",
    (v) =>
      api("POST", "/api/hosts", {
        name: v.name,
        managementAddress: v.address,
        ovsdbTarget: v.ovsdb,
        backend: v.backend,
        tunnelIp: v.tunnelIp || null,
        uplink: v.uplink || null,
        libvirtUri: v.libvirt || null,
      }),
  );
  const tenantForm = form("tenant-form", "Create a tenant", [{ name: "name", label: "Name", required: true, placeholder: "red" }], "Create", (v) => api("POST", "/api/tenants", { name: v.name }));
  const tenantOptions = () => tenants.map((t): [string, string] => [str(t.id), str(t.name)]);
  const netForm = form(
    "net-form",
    "Create a network",
    [
      ...(admin ? [{ name: "tenant", label: "Tenant", options: tenantOptions }] : []),
      { name: "name", label: "Name", required: true, placeholder: "web" },
      { name: "kind", label: "Kind", options: () => [["overlay", "overlay (tunnelled between hosts)"], ["provider", "provider (site network, VLAN or flat)"]] },
      { name: "subnet", label: "Subnet", required: true, placeholder: "203.0.113.0/24" },
      { name: "gateway", label: "Gateway", placeholder: "203.0.113.1" },
      { name: "vni", label: "VNI / VLAN", placeholder: "overlay: next free; provider: flat", hint: "overlay: VNI; provider: VLAN id" },
      { name: "mtu", label: "MTU", placeholder: "none", hint: "handed out by DHCP, e.g. 1450 under VXLAN" },
    ],
    "Create",
    (v) => {
      const body: Obj = { name: v.name, kind: v.kind, subnet: v.subnet, gateway: v.gateway || null };
      if (admin) body.tenant = v.tenant;
      if (v.vni) {
        if (!/^\d+$/.test(v.vni!)) return Promise.reject(new ApiError(400, "validation_failed", "VNI must be a number", [{ path: "vni", code: "invalid_format", message: "VNI must be a whole number" }]));
        body.segmentationId = Number(v.vni);
      }
      if (v.mtu) {
        // The range (68-9216) is the model's rule: the server says so under the field.
        if (!/^\d+$/.test(v.mtu)) return Promise.reject(new ApiError(400, "validation_failed", "MTU must be a number", [{ path: "mtu", code: "invalid_format", message: "MTU must be a whole number" }]));
        body.mtu = Number(v.mtu);
      }
      return api("POST", "/api/networks", body);
    },
  );
  const vmForm = form(
    "vm-form",
    "Create a VM",
    [
      { name: "name", label: "Name", required: true, placeholder: "web1" },
      { name: "host", label: "Host", options: () => hosts.map((x): [string, string] => [str(x.id), str(x.name)]) },
      { name: "network", label: "Network", options: () => networks.map((n): [string, string] => [str(n.id), `${str(n.tenant)} / ${str(n.name)} (${str(n.subnet)})`]) },
      { name: "ip", label: "IP address", placeholder: "allocated" },
      { name: "driver", label: "Driver", options: () => [["netns", "netns"], ["libvirt", "libvirt"]] },
    ],
    "Create",
    (v) => {
      const net = networks.find((n) => n.id === v.network);
      const body: Obj = { name: v.name, host: v.host, driver: v.driver, nics: v.network ? [{ network: v.network, ...(v.ip ? { ip: v.ip } : {}) }] : [] };
      if (admin && net) body.tenant = net.tenantId;
      return api("POST", "/api/vms", body);
    },
  );

  const act = (method: string, path: string) =>
    api(method, path).then(
      () => load(),
      (err: unknown) => {
        notice.textContent = err instanceof ApiError ? err.message : String(err);
      },
    );

  const renderLists = () => {
    clear(hostsBody);
    for (const x of hosts) {
      const st = (x.status ?? {}) as Obj;
      hostsBody.append(
        h(
          "tr",
          { "data-host": str(x.name) },
          h("td", {}, h("b", {}, str(x.name))),
          h("td", {}, str(x.backend)),
          h("td", { class: "mono" }, str(x.managementAddress)),
          h("td", {}, h("span", { class: st.ovsdbConnected ? "dot ok" : "dot bad" }), " OVSDB ", h("span", { class: st.openflowConnected ? "dot ok" : "dot bad" }), " OpenFlow"),
          h("td", {}, admin ? h("button", { class: "small danger", onclick: () => confirm(`Unregister ${str(x.name)}?`) && act("DELETE", `/api/hosts/${str(x.id)}`) }, "Unregister") : null),
        ),
      );
    }
    clear(tenantsBody);
    for (const t of tenants) {
      tenantsBody.append(
        h("tr", {}, h("td", {}, h("i", { class: "swatch", style: `background:${tenantColor(str(t.name))}` }), str(t.name)), h("td", { class: "mono muted" }, str(t.id)), h("td", {}, admin ? h("button", { class: "small danger", onclick: () => confirm(`Delete tenant ${str(t.name)}? Its tokens stop working.`) && act("DELETE", `/api/tenants/${str(t.id)}`) }, "Delete") : null)),
      );
    }
    clear(netsBody);
    for (const n of networks) {
      netsBody.append(
        h(
          "tr",
          { "data-network": str(n.name) },
          h("td", {}, h("i", { class: "swatch", style: `background:${tenantColor(str(n.tenant))}` }), str(n.tenant)),
          h("td", {}, h("b", {}, str(n.name))),
          h("td", {}, `${str(n.kind)} ${str(n.segmentationId)}${n.mtu ? ` · MTU ${str(n.mtu)}` : ""}`),
          h("td", { class: "mono" }, str(n.subnet)),
          h("td", { class: "mono" }, str(n.gateway) || "–"),
          h("td", {}, h("button", { class: "small danger", onclick: () => confirm(`Delete network ${str(n.name)} (${str(n.subnet)})?`) && act("DELETE", `/api/networks/${str(n.id)}`) }, "Delete")),
        ),
      );
    }
    clear(vmsBody);
    for (const v of vms) {
      const nics = (v.nics as Obj[]).map((n) => `${str(n.network)} ${str(n.ip) || "dhcp"}`).join(", ");
      vmsBody.append(
        h(
          "tr",
          { "data-vm": str(v.name) },
          h("td", {}, h("i", { class: "swatch", style: `background:${tenantColor(str(v.tenant))}` }), str(v.tenant)),
          h("td", {}, h("b", {}, str(v.name))),
          h("td", {}, str(v.host)),
          h("td", {}, str(v.driver)),
          h("td", {}, h("span", { class: `state ${str(v.state)}`, title: str(v.lastError) }, str(v.state))),
          h("td", { class: "mono" }, nics),
          h(
            "td",
            { class: "row-actions" },
            ...vmActions(str(v.state)).map((a) =>
              a === "delete"
                ? h(
                    "button",
                    {
                      class: "small danger",
                      onclick: () =>
                        confirm(`Delete VM ${str(v.name)}${v.state === "running" ? " (it is running: it will be stopped)" : ""}?`) &&
                        act("DELETE", `/api/vms/${str(v.id)}${v.state === "defined" ? "" : "?force=true"}`),
                    },
                    "Delete",
                  )
                : h("button", { class: "small", onclick: () => act("POST", `/api/vms/${str(v.id)}/${a}`) }, a[0]!.toUpperCase() + a.slice(1)),
            ),
          ),
        ),
      );
    }
    for (const f of [hostForm, netForm, vmForm]) f.refresh();
  };

  let loading: Promise<void> | null = null;
  const load = (): Promise<void> => {
    loading ??= Promise.all([api<Obj[]>("GET", "/api/hosts"), api<Obj[]>("GET", "/api/tenants"), api<Obj[]>("GET", "/api/networks"), api<Obj[]>("GET", "/api/vms")])
      .then(([a, b, c, d]) => {
        [hosts, tenants, networks, vms] = [a, b, c, d];
        renderLists();
      })
      .catch((err: unknown) => {
        notice.textContent = err instanceof ApiError ? err.message : String(err);
      })
      .finally(() => {
        loading = null;
      });
    return loading;
  };

  const section = (title: string, head: string[], body: HTMLElement, ...forms: HTMLElement[]) =>
    h("section", { class: "manage-section" }, h("h2", {}, title), h("div", { class: "manage-row" }, h("div", { class: "card list" }, h("table", { class: "grid" }, h("thead", {}, h("tr", {}, ...head.map((x) => h("th", {}, x)))), body)), ...forms));

  root.append(
    notice,
    section("Virtual machines", ["tenant", "name", "host", "driver", "state", "NICs", ""], vmsBody, vmForm.el),
    section("Networks", ["tenant", "name", "segment", "subnet", "gateway", ""], netsBody, netForm.el),
    ...(admin ? [section("Hosts", ["name", "backend", "address", "status", ""], hostsBody, hostForm.el), section("Tenants", ["name", "id", ""], tenantsBody, tenantForm.el)] : []),
  );
  for (const f of [hostForm, tenantForm, netForm, vmForm]) f.el.addEventListener("saved", () => void load());
  const off = live.on("topology", () => void load());
  void load();
  return off;
}
