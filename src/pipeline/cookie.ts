// Flow cookies say who owns a flow, so reconciliation, the live view and the DHCP app can tell
// why a flow exists without a lookup table on the side:
//
//   bits 63..56  0x76 ('v'): vnet's mark; a flow without it was not made by vnet
//   bits 55..48  owner kind: port, network, host wiring, table miss
//   bits 47..40  role within the owner (spoof drop, rogue-DHCP drop, DHCP to controller ...)
//   bits 39..0   40-bit FNV-1a hash of the owner id (0 for table-miss flows)
//
// Only the hash of the id fits, so decoding gives the hash; `ownerOf` maps it back with the model.

export const COOKIE_MARK = 0x76n;

export const OWNER_KINDS = ["port", "network", "host_wiring", "table_miss"] as const;
export type OwnerKind = (typeof OWNER_KINDS)[number];

// A role's code is its index here and is written into flows on switches: append new roles, never
// reorder (a controller upgrade would otherwise misread the cookies of flows already installed).
export const ROLES = [
  "forward",
  "spoof_drop",
  "ignore",
  "dhcp_to_controller",
  "arp_responder",
  "flood",
  "tunnel",
  "uplink",
  "guard",
  // Drops DHCP server answers a VM sends (a rogue DHCP server): counted apart from spoofing.
  "dhcp_server_guard",
] as const;
export type CookieRole = (typeof ROLES)[number];

export interface CookieInfo {
  kind: OwnerKind;
  role: CookieRole;
  /** FNV-1a 40-bit hash of the owner's id. */
  idHash: bigint;
}

const HASH_BITS = 40n;
const HASH_MASK = (1n << HASH_BITS) - 1n;

/** 40-bit FNV-1a (64-bit FNV-1a folded): stable across runs and processes. */
// compile hashes the same few ids (ports, networks) once per flow: remember them. Bounded, so a
// long-running controller with churning ids does not grow it without end.
const ID_HASHES = new Map<string, bigint>();
const ID_HASH_CACHE_MAX = 1 << 16;
const UTF8 = new TextEncoder();

export function idHash(id: string): bigint {
  const cached = ID_HASHES.get(id);
  if (cached !== undefined) return cached;
  if (ID_HASHES.size >= ID_HASH_CACHE_MAX) ID_HASHES.clear();
  const h = fnv1a40(id);
  ID_HASHES.set(id, h);
  return h;
}

function fnv1a40(id: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const byte of UTF8.encode(id)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return (h ^ (h >> HASH_BITS)) & HASH_MASK;
}

export function makeCookie(kind: OwnerKind, role: CookieRole, ownerId: string | null): bigint {
  const k = BigInt(OWNER_KINDS.indexOf(kind) + 1);
  const r = BigInt(ROLES.indexOf(role));
  const h = ownerId === null ? 0n : idHash(ownerId);
  return (COOKIE_MARK << 56n) | (k << 48n) | (r << 40n) | h;
}

/** Reads a cookie; null when it is not one of vnet's (someone else's flow, or drift by hand). */
export function decodeCookie(cookie: bigint): CookieInfo | null {
  if (cookie >> 56n !== COOKIE_MARK) return null;
  const kind = OWNER_KINDS[Number((cookie >> 48n) & 0xffn) - 1];
  const role = ROLES[Number((cookie >> 40n) & 0xffn)];
  if (!kind || !role) return null;
  return { kind, role, idHash: cookie & HASH_MASK };
}

/** The model object a cookie names, found by hashing the candidates' ids. */
export function ownerOf<T extends { id: string }>(info: CookieInfo, candidates: readonly T[]): T | undefined {
  return candidates.find((c) => idHash(c.id) === info.idHash);
}

/** A cookie mask selecting every flow of one owner kind and role (for multipart flow requests). */
export const KIND_ROLE_MASK = 0xffffff0000000000n;

/** True when a PACKET_IN came from the DHCP interception flow. */
export function isDhcpCookie(cookie: bigint): boolean {
  return decodeCookie(cookie)?.role === "dhcp_to_controller";
}
