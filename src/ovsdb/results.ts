// Reading a "transact" reply (RFC 7047 section 4.1.3): one result per operation, an error object
// at the operation that failed (and nulls after it), and one extra error when the commit itself
// failed (constraint or referential-integrity violation). Pure, so every outcome is a unit test.

import type { Operation } from "./ops";

export type CommitStatus = "success" | "try-again" | "not-locked" | "aborted" | "error";

export interface CommitResult {
  status: CommitStatus;
  /** Raw per-operation results. */
  results: unknown[];
  /** uuid-name of each insert -> the uuid the server gave the row. */
  inserted: Record<string, string>;
  /** For "error" and the other failures: what the server said, with the failing operation. */
  error?: string;
  details?: string;
  failedOp?: number;
}

export class TransactionError extends Error {
  override name = "TransactionError";
  constructor(readonly result: CommitResult) {
    super(
      `OVSDB transaction ${result.status}: ${result.error ?? "unknown error"}` +
        (result.details ? ` (${result.details})` : "") +
        (result.failedOp !== undefined ? ` at operation ${result.failedOp}` : ""),
    );
  }
}

function errorOf(x: unknown): { error: string; details?: string } | null {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return null;
  const r = x as Record<string, unknown>;
  if (r.error === undefined || r.error === null) return null;
  const error = typeof r.error === "string" ? r.error : JSON.stringify(r.error);
  return typeof r.details === "string" ? { error, details: r.details } : { error };
}

export function interpretResults(ops: readonly Operation[], reply: unknown): CommitResult {
  if (!Array.isArray(reply)) {
    return { status: "error", results: [], inserted: {}, error: `transact reply is not an array: ${JSON.stringify(reply)?.slice(0, 80)}` };
  }
  const inserted: Record<string, string> = {};
  for (let i = 0; i < reply.length; i++) {
    const err = errorOf(reply[i]);
    if (err) {
      const op = ops[i];
      let status: CommitStatus = "error";
      // A verification (wait with timeout 0) that failed means someone changed what we read.
      if (op?.op === "wait" && op.timeout === 0 && err.error === "timed out") status = "try-again";
      else if (op?.op === "assert" && err.error === "not owner") status = "not-locked";
      else if (op?.op === "abort") status = "aborted";
      const out: CommitResult = { status, results: reply, inserted: {}, error: err.error, failedOp: i };
      if (err.details) out.details = err.details;
      return out;
    }
    const op = ops[i];
    if (op?.op === "insert" && op["uuid-name"]) {
      const r = reply[i] as { uuid?: unknown } | null;
      if (r && Array.isArray(r.uuid) && r.uuid[0] === "uuid" && typeof r.uuid[1] === "string") {
        inserted[op["uuid-name"]] = r.uuid[1];
      }
    }
  }
  if (reply.length < ops.length) {
    return { status: "error", results: reply, inserted: {}, error: `transact reply has ${reply.length} results for ${ops.length} operations` };
  }
  return { status: "success", results: reply, inserted };
}
