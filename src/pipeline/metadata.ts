// What the pipeline carries between tables in the 64-bit metadata register:
//
//   bits 0..31   the network key: the VNI for overlay networks, 0x1000000 | VLAN id for provider
//                networks (0x1000000 alone for the flat one). Derived from the model, so it is the
//                same on every host and stable when other networks come and go.
//   bit 32       REMOTE: the frame came in from a tunnel or the uplink. Floods of such frames go
//                to local ports only (split horizon), and they never leave by a tunnel again.

import type { Network } from "../model/types";

export const NETWORK_MASK = 0xffffffffn;
export const REMOTE_FLAG = 1n << 32n;
export const METADATA_MASK = NETWORK_MASK | REMOTE_FLAG;

const PROVIDER_BIT = 0x1000000;

export function networkKey(network: Network): number {
  if (network.kind === "overlay") return network.segmentationId ?? 0;
  return PROVIDER_BIT | (network.segmentationId ?? 0);
}

/** Group ids per network: two per network, derived from the key (never 0, below OFPG_MAX). */
export function floodGroupId(network: Network): number {
  return networkKey(network) * 2;
}
export function localFloodGroupId(network: Network): number {
  return networkKey(network) * 2 + 1;
}
