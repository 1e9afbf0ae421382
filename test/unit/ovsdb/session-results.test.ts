import { describe, it, expect } from "vitest";
import { step, nextBackoff, initialSession, type SessionSnapshot, type SessionEvent } from "../../../src/ovsdb/session";
import { interpretResults } from "../../../src/ovsdb/results";
import type { Operation } from "../../../src/ovsdb/ops";

const backoff = { minMs: 100, maxMs: 800 };

function drive(events: SessionEvent[]): { states: string[]; actions: string[]; last: SessionSnapshot } {
  let s = initialSession;
  const states: string[] = [];
  const actions: string[] = [];
  for (const e of events) {
    const r = step(s, e, backoff);
    s = r.next;
    states.push(s.state);
    actions.push(r.action.type === "schedule-retry" ? `retry ${r.action.delayMs}` : r.action.type);
  }
  return { states, actions, last: s };
}

const fail: SessionEvent = { type: "failed", error: new Error("x") };

describe("session state machine", () => {
  it("connects, negotiates and becomes active", () => {
    const r = drive([{ type: "start" }, { type: "connected" }, { type: "monitoring" }]);
    expect(r.states).toEqual(["connecting", "negotiating", "active"]);
    expect(r.actions).toEqual(["connect", "negotiate", "ready"]);
  });

  it("backs off doubling up to the cap while the server is down, and resets after success", () => {
    const down = [fail, { type: "retry" } as SessionEvent];
    const r = drive([{ type: "start" }, ...down, ...down, ...down, ...down, ...down, { type: "connected" }, { type: "monitoring" }, { type: "failed", error: new Error("lost") }]);
    expect(r.actions.filter((a) => a.startsWith("retry"))).toEqual(["retry 100", "retry 200", "retry 400", "retry 800", "retry 800", "retry 100"]);
    expect(r.last).toEqual({ state: "backoff", backoffMs: 100, failures: 1 });
  });

  it("ignores events that do not fit the state, and close is final", () => {
    const r = drive([{ type: "connected" }, { type: "start" }, { type: "monitoring" }, { type: "close" }, { type: "start" }, { type: "retry" }]);
    expect(r.states).toEqual(["idle", "connecting", "connecting", "closed", "closed", "closed"]);
    expect(r.actions).toEqual(["none", "connect", "none", "drop-connection", "none", "none"]);
  });

  it("a failure during negotiation (wrong schema) goes to back-off, not active", () => {
    const r = drive([{ type: "start" }, { type: "connected" }, fail]);
    expect(r.last.state).toBe("backoff");
  });

  it("nextBackoff starts at min", () => {
    expect(nextBackoff(0, backoff)).toBe(100);
    expect(nextBackoff(500, backoff)).toBe(800);
  });
});

describe("transact results", () => {
  const ops: Operation[] = [
    { op: "wait", table: "Bridge", where: [], columns: ["ports"], until: "==", rows: [], timeout: 0 },
    { op: "insert", table: "Port", row: {}, "uuid-name": "p" },
    { op: "comment", comment: "x" },
  ];

  it("maps uuid-names to the uuids the server assigned", () => {
    const r = interpretResults(ops, [{}, { uuid: ["uuid", "u-1"] }, {}]);
    expect(r).toEqual({ status: "success", results: [{}, { uuid: ["uuid", "u-1"] }, {}], inserted: { p: "u-1" } });
  });

  it("a failed verification (wait timed out) means try again", () => {
    const r = interpretResults(ops, [{ error: "timed out" }, null, null]);
    expect(r.status).toBe("try-again");
    expect(r.failedOp).toBe(0);
  });

  it("an error on an operation or at commit is an error with details", () => {
    expect(interpretResults(ops, [{}, { error: "constraint violation", details: "no" }, null])).toMatchObject({
      status: "error",
      error: "constraint violation",
      details: "no",
      failedOp: 1,
    });
    const commitErr = interpretResults(ops, [{}, { uuid: ["uuid", "u"] }, {}, { error: "referential integrity violation", details: "d" }]);
    expect(commitErr).toMatchObject({ status: "error", error: "referential integrity violation", failedOp: 3 });
  });

  it("a lost lock is not-locked; a garbage reply is an error, not a crash", () => {
    expect(interpretResults([{ op: "assert", lock: "l" }], [{ error: "not owner" }]).status).toBe("not-locked");
    expect(interpretResults(ops, { surprise: true })).toMatchObject({ status: "error", error: expect.stringMatching(/not an array/) });
    expect(interpretResults(ops, [{}])).toMatchObject({ status: "error", error: "transact reply has 1 results for 3 operations" });
  });
});
