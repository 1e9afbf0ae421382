// Bearer tokens and session secrets: random, prefixed so that a leaked one is recognisable in a
// log or a repository scan, and stored only as a SHA-256 hash (they have 256 bits of entropy, so
// a fast hash is enough: there is nothing to brute-force).
import { createHash, randomBytes } from "node:crypto";

export const TOKEN_PREFIX = "vnet_";

export function newSecret(prefix = TOKEN_PREFIX): string {
  return prefix + randomBytes(32).toString("base64url");
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** Short random id for records (tokens, VMs, ports, networks): `prefix-` + 10 base32 chars. */
export function newId(prefix: string): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const bytes = randomBytes(10);
  let out = "";
  for (const b of bytes) out += alphabet[b & 31];
  return `${prefix}-${out}`;
}
