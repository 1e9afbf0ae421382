// The OVS pipeline, declared once: every table by name with its number, the match fields its flows
// may use, the tables it may go to, and its priority bands. Code names tables and bands; the
// numbers live here only. `flow()` in flow.ts checks every flow against this declaration when it is
// built, so a mistake is an exception in a unit test, not a silently broken switch.

import type { MatchFieldName } from "../../openflow/index";

export type TableName = "classify" | "port_security" | "arp" | "dhcp" | "l2_lookup" | "egress";

export interface TableSpec {
  id: number;
  /** What the table decides, for docs and the live view. */
  purpose: string;
  /** Match fields flows of this table may use (prerequisites like eth_type included). */
  matches: readonly MatchFieldName[];
  /** Tables a flow of this table may go to. */
  next: readonly TableName[];
  /** Named priorities; 0 is always the table-miss flow. */
  bands: Readonly<Record<string, number>>;
}

export const TABLES = {
  classify: {
    id: 0,
    purpose: "where a frame comes from: a VM port, a tunnel (by VNI) or the uplink (by VLAN); sets the network in metadata",
    matches: ["in_port", "tunnel_id", "vlan_vid"],
    next: ["port_security", "l2_lookup"],
    bands: { port: 100, guard: 10 },
  },
  port_security: {
    id: 10,
    purpose: "a VM may send only from its own MAC and IP (ARP included); DHCP client frames are set apart",
    matches: ["in_port", "eth_src", "vlan_vid", "eth_type", "ipv4_src", "ip_proto", "udp_src", "udp_dst", "arp_sha", "arp_spa", "arp_op"],
    next: ["arp", "dhcp", "l2_lookup"],
    bands: { dhcp_client: 300, dhcp_server_guard: 250, allow: 200, ignore: 100, spoof_drop: 10 },
  },
  arp: {
    id: 20,
    purpose: "answers ARP requests for known addresses on the switch; the rest goes on to L2",
    matches: ["metadata", "in_port", "eth_type", "arp_op", "arp_tpa"],
    next: ["l2_lookup"],
    bands: { owner: 300, respond: 200 },
  },
  dhcp: {
    id: 30,
    purpose: "DHCP client frames of overlay networks go to the controller; provider networks flood them to the site",
    matches: ["metadata"],
    next: ["l2_lookup"],
    bands: { to_controller: 200 },
  },
  l2_lookup: {
    id: 40,
    purpose: "known destination MAC in the network → reg0 = output port; otherwise flood through the network's group",
    matches: ["metadata", "eth_dst"],
    next: ["egress"],
    bands: { known_mac: 200, flood: 100 },
  },
  egress: {
    id: 50,
    purpose: "reg0 → output: to a VM port, or encapsulated into a tunnel (tunnel_id = VNI), or tagged onto the uplink",
    matches: ["reg0", "metadata"],
    next: [],
    bands: { output: 200 },
  },
} as const satisfies Record<TableName, TableSpec>;

export const TABLE_NAMES = Object.keys(TABLES) as TableName[];

export type BandOf<T extends TableName> = keyof (typeof TABLES)[T]["bands"] & string;

export function tableId(name: TableName): number {
  return TABLES[name].id;
}

export function tableNameOf(id: number): TableName | undefined {
  return TABLE_NAMES.find((n) => TABLES[n].id === id);
}

export function priorityOf<T extends TableName>(table: T, band: BandOf<T> | "miss"): number {
  if (band === "miss") return 0;
  return (TABLES[table].bands as Record<string, number>)[band]!;
}

// Checked when the module loads: table numbers strictly increase along every declared goto, and
// are unique. A typo in the declaration fails every test at import time.
for (const name of TABLE_NAMES) {
  for (const next of TABLES[name].next) {
    if (TABLES[next].id <= TABLES[name].id) throw new Error(`pipeline: ${name} may not go to ${next} (table ids must increase)`);
  }
}
if (new Set(TABLE_NAMES.map((n) => TABLES[n].id)).size !== TABLE_NAMES.length) throw new Error("pipeline: duplicate table id");
