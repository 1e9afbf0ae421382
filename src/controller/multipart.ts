// Reassembly of a multipart reply split across messages. A switch answers one MULTIPART_REQUEST
// with as many replies as it needs, all with the request's xid, every one but the last flagged
// OFPMPF_REPLY_MORE. Their bodies are lists (flows, ports, groups...) that concatenate; a body
// that is a single record (DESC) comes in one message.

import { OFPMPF_REPLY_MORE } from "../../openflow";
import type { MultipartReply } from "../../openflow";

export function hasMore(reply: MultipartReply): boolean {
  return (reply.flags & OFPMPF_REPLY_MORE) !== 0;
}

/**
 * One reply carrying every entry of `parts`, in order, with REPLY_MORE cleared. Array fields are
 * concatenated; other fields come from the first part. Throws if the parts disagree on the kind,
 * which only a broken switch does.
 */
export function mergeMultipart(parts: readonly MultipartReply[]): MultipartReply {
  const first = parts[0];
  if (first === undefined) throw new Error("mergeMultipart: no parts");
  const merged: Record<string, unknown> = { ...first, flags: first.flags & ~OFPMPF_REPLY_MORE };
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]! as unknown as Record<string, unknown>;
    if (part.kind !== first.kind) {
      throw new Error(`multipart reply xid ${first.xid}: part ${i} is ${String(part.kind)}, expected ${first.kind}`);
    }
    for (const key of Object.keys(part)) {
      const value = part[key];
      const sofar = merged[key];
      if (Array.isArray(value) && Array.isArray(sofar)) merged[key] = sofar.concat(value);
    }
  }
  return merged as unknown as MultipartReply;
}
