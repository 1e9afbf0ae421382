// The connection life cycle of a client, as a pure state machine plus its back-off rule. The client
// (client.ts) feeds it events and performs the actions it returns; nothing here touches a socket or
// a clock, so every transition is a unit test.
//
//   idle ──start──► connecting ──connected──► negotiating ──monitoring──► active
//                     ▲   │ failed                 │ failed                 │ lost
//                     │   ▼                        ▼                        ▼
//                     └─ backoff ◄─────────────────┴────────────────────────┘
//   any state ──close──► closed
//
// "negotiating" is get_schema plus the monitor request: the replica is only trusted in "active".

export type SessionState = "idle" | "connecting" | "negotiating" | "active" | "backoff" | "closed";

export type SessionEvent =
  | { type: "start" }
  | { type: "connected" }
  | { type: "monitoring" }
  | { type: "failed"; error: Error }
  | { type: "retry" }
  | { type: "close" };

export type SessionAction =
  | { type: "connect" }
  | { type: "negotiate" }
  | { type: "ready" }
  | { type: "schedule-retry"; delayMs: number }
  | { type: "drop-connection" }
  | { type: "none" };

export interface Backoff {
  minMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { minMs: 100, maxMs: 8000 };

export interface SessionSnapshot {
  state: SessionState;
  /** Delay used for the last retry, 0 after a successful negotiation. */
  backoffMs: number;
  /** Failed attempts since the last success. */
  failures: number;
}

export const initialSession: SessionSnapshot = { state: "idle", backoffMs: 0, failures: 0 };

/** Doubling back-off, starting at min and capped at max. */
export function nextBackoff(previousMs: number, b: Backoff): number {
  if (previousMs <= 0) return b.minMs;
  return Math.min(previousMs * 2, b.maxMs);
}

export function step(
  s: SessionSnapshot,
  event: SessionEvent,
  backoff: Backoff = DEFAULT_BACKOFF,
): { next: SessionSnapshot; action: SessionAction } {
  if (s.state === "closed") return { next: s, action: { type: "none" } };
  switch (event.type) {
    case "close":
      return { next: { ...s, state: "closed" }, action: { type: "drop-connection" } };
    case "start":
      if (s.state !== "idle") return { next: s, action: { type: "none" } };
      return { next: { ...s, state: "connecting" }, action: { type: "connect" } };
    case "connected":
      if (s.state !== "connecting") return { next: s, action: { type: "none" } };
      return { next: { ...s, state: "negotiating" }, action: { type: "negotiate" } };
    case "monitoring":
      if (s.state !== "negotiating") return { next: s, action: { type: "none" } };
      return { next: { state: "active", backoffMs: 0, failures: 0 }, action: { type: "ready" } };
    case "failed": {
      if (s.state === "idle" || s.state === "backoff") return { next: s, action: { type: "none" } };
      const delayMs = nextBackoff(s.backoffMs, backoff);
      return {
        next: { state: "backoff", backoffMs: delayMs, failures: s.failures + 1 },
        action: { type: "schedule-retry", delayMs },
      };
    }
    case "retry":
      if (s.state !== "backoff") return { next: s, action: { type: "none" } };
      return { next: { ...s, state: "connecting" }, action: { type: "connect" } };
  }
}
