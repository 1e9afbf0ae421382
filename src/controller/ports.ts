// The live port table of one switch: filled from the PORT_DESC reply during the handshake, then
// kept current by PORT_STATUS messages. Pure: returns the new table and what changed.

import { OFPPR, OFPPS } from "../../openflow";
import type { PortDesc, PortStatus } from "../../openflow";

export type PortTable = ReadonlyMap<number, PortDesc>;
export type PortChange = "added" | "deleted" | "modified";

export function portTableFrom(ports: readonly PortDesc[]): PortTable {
  return new Map(ports.map((p) => [p.portNo, p]));
}

export function applyPortStatus(table: PortTable, status: PortStatus): { table: PortTable; change: PortChange } {
  const next = new Map(table);
  const port = status.desc;
  if (status.reason === OFPPR.DELETE) {
    next.delete(port.portNo);
    return { table: next, change: "deleted" };
  }
  // An ADD for a port we already have, or a MODIFY for one we missed, still leaves the table right.
  next.set(port.portNo, port);
  return { table: next, change: status.reason === OFPPR.ADD ? "added" : "modified" };
}

export function isLinkUp(port: PortDesc): boolean {
  return (port.state & OFPPS.LINK_DOWN) === 0;
}
