// What a backend builds for one scenario: endpoint pairs to measure between, and the few
// backend-specific operations the measurements need (forget learned state, count table entries).

import type { Lab } from "../../lab/lab";
import type { MetricId, Scenario } from "./types";

/** One end of a measured path: a namespace and the address the other end reaches it at. */
export interface EndpointRef {
  netns: string;
  ip: string;
}

export interface Pair {
  client: EndpointRef;
  server: EndpointRef;
}

export interface Topology {
  pairs: Pair[];
  /** Forgets what the switches learned (FDB, MAC table, megaflows) and the endpoints' ARP caches. */
  coldReset(): Promise<void>;
  /** Table sizes now (OpenFlow flows, datapath flows, FDB entries, nftables rules). */
  tables(): Promise<Partial<Record<MetricId, number>>>;
  /** Stops what the backend started outside the lab (controllers, agents); the lab goes after. */
  close(): Promise<void>;
}

export interface BuildContext {
  lab: Lab;
  scenario: Scenario;
  log: (line: string) => void;
}

/** Addresses of pair i on an overlay (endpoints are isolated namespaces, so any block works). */
export const OVERLAY_PREFIX = 25;
export function overlayAddresses(i: number): { client: string; server: string } {
  return { client: `203.0.113.${130 + 2 * i}`, server: `203.0.113.${131 + 2 * i}` };
}

export function endpointMacs(i: number): { client: string; server: string } {
  const b = i.toString(16).padStart(2, "0");
  return { client: `02:62:6e:00:${b}:0c`, server: `02:62:6e:00:${b}:05` };
}

/** The provider scenario's endpoint address: right after the site gateway, below the DHCP pool. */
export function providerAddress(lab: Lab): string {
  const g = lab.plan.gateway.split(".").map(Number);
  return `${g[0]}.${g[1]}.${g[2]}.${g[3]! + 1}`;
}

/** Which host the server end of a pair lives on. */
export function serverHost(scenario: Scenario): "h1" | "h2" {
  return scenario.kind === "cross-host" ? "h2" : "h1";
}
