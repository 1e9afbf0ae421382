// One pino logger factory for the whole server, so every module logs the same way:
// JSON lines on stderr (stdout stays free for command output), a `name` per module, and bindings
// that follow a logger into its children (the controller binds `dpid` on every switch's lines).
//
// The level comes from VNET_LOG_LEVEL (trace, debug, info, warn, error, fatal, silent), default
// "info"; tests usually pass `silent` through setLogLevel or the environment.
import pino from "pino";
import type { Logger } from "pino";

export type { Logger } from "pino";
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

const LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

export function isLogLevel(value: string): value is LogLevel {
  return (LEVELS as readonly string[]).includes(value);
}

let root: Logger | undefined;

function rootLogger(): Logger {
  if (root === undefined) {
    const env = process.env.VNET_LOG_LEVEL;
    const valid = env === undefined || env === "" || isLogLevel(env);
    // pino.destination(2) writes synchronously to fd 2: lines are never lost on a crash and the
    // order of lines matches the order of events, which matters more here than log throughput
    // (nothing on a hot path logs at info).
    root = pino({ level: valid && env ? env : "info", base: undefined }, pino.destination({ fd: 2, sync: true }));
    if (!valid) root.warn({ VNET_LOG_LEVEL: env, expected: LEVELS }, "unknown log level in VNET_LOG_LEVEL, using info");
  }
  return root;
}

/** A logger for one module; `bindings` appear on every line it and its children write. */
export function createLogger(name: string, bindings: Record<string, unknown> = {}): Logger {
  return rootLogger().child({ name, ...bindings });
}

/**
 * Sets the level for loggers made by createLogger from now on (pino children copy their level when
 * made), so call it once at start-up, before the modules create theirs.
 */
export function setLogLevel(level: LogLevel): void {
  rootLogger().level = level;
}
