// `vnet controller`: the OpenFlow controller alone, with the learning-switch app, no API and no
// inventory. Every switch that connects gets a table-miss flow and MAC learning.

import { Option, type Command } from "commander";
import { readFileSync } from "node:fs";
import { learningSwitch } from "../../apps/learning";
import { Controller } from "../../controller";
import { createLogger, isLogLevel, setLogLevel } from "../../log";

interface ControllerFlags {
  listen: string[];
  tlsListen?: string;
  tlsKey?: string;
  tlsCert?: string;
  tlsCa?: string;
  unix?: string;
  idleTimeout: string;
  echoInterval: string;
  deadAfter: string;
  logLevel?: string;
}

/** "HOST:PORT", "[V6]:PORT" or ":PORT" (all addresses). */
export function parseHostPort(text: string, defaultHost = "0.0.0.0"): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new Error(`bad listen address "${text}": expected HOST:PORT, e.g. 127.0.0.1:6653`);
  return { host: m[1] ?? (m[2] || defaultHost), port };
}

function positiveNumber(text: string, what: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`bad ${what} "${text}": expected a positive number`);
  return value;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read the TLS ${what} ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function run(flags: ControllerFlags): Promise<void> {
  if (flags.logLevel !== undefined) {
    if (!isLogLevel(flags.logLevel)) throw new Error(`bad log level "${flags.logLevel}"`);
    setLogLevel(flags.logLevel);
  }
  const idleTimeoutSec = positiveNumber(flags.idleTimeout, "idle timeout");
  if (!Number.isInteger(idleTimeoutSec) || idleTimeoutSec > 0xffff) throw new Error(`idle timeout must be a whole number of seconds up to 65535`);
  const echoIntervalMs = positiveNumber(flags.echoInterval, "echo interval") * 1000;
  const deadAfterMs = positiveNumber(flags.deadAfter, "dead-peer timeout") * 1000;
  const tls = [flags.tlsKey, flags.tlsCert, flags.tlsCa];
  if (flags.tlsListen !== undefined && tls.some((f) => f === undefined)) {
    throw new Error("--tls-listen needs --tls-key, --tls-cert and --tls-ca");
  }
  // Everything is validated before anything listens: bad flags change nothing.
  const tcp = flags.listen.map((l) => parseHostPort(l));
  const tlsAddress = flags.tlsListen !== undefined ? parseHostPort(flags.tlsListen) : undefined;
  const tlsFiles =
    tlsAddress !== undefined
      ? { key: readPem(flags.tlsKey!, "key"), cert: readPem(flags.tlsCert!, "certificate"), ca: readPem(flags.tlsCa!, "CA certificate") }
      : undefined;
  if (tcp.length === 0 && tlsAddress === undefined && flags.unix === undefined) tcp.push({ host: "0.0.0.0", port: 6653 });

  const log = createLogger("controller");
  const controller = new Controller({ logger: log, echoIntervalMs, deadAfterMs });
  controller.use(learningSwitch({ idleTimeoutSec }));
  try {
    for (const { host, port } of tcp) await controller.listenTcp(port, host);
    if (tlsAddress !== undefined) await controller.listenTls(tlsAddress.port, tlsAddress.host, tlsFiles!);
    if (flags.unix !== undefined) await controller.listenUnix(flags.unix);
  } catch (err) {
    await controller.close();
    throw err;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info({ signal }, "shutting down");
      void controller.close().then(resolve);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
}

export function register(program: Command): void {
  program
    .command("controller")
    .description("run the OpenFlow 1.3 controller alone, as a MAC-learning switch for every switch that connects")
    .addOption(
      new Option("--listen <host:port>", "TCP address to listen on (repeatable)")
        .argParser((v: string, all: string[]) => [...all, v])
        .default([], "0.0.0.0:6653 when no --listen, --tls-listen or --unix is given"),
    )
    .option("--tls-listen <host:port>", "also listen for TLS (OVS ssl: targets); needs --tls-key, --tls-cert, --tls-ca")
    .option("--tls-key <file>", "PEM private key of the controller")
    .option("--tls-cert <file>", "PEM certificate of the controller")
    .option("--tls-ca <file>", "PEM CA certificate that switch certificates must be signed by")
    .option("--unix <path>", "also listen on a unix socket")
    .option("--idle-timeout <seconds>", "idle timeout of learned flows", "60")
    .option("--echo-interval <seconds>", "send an echo request after this long without a message", "5")
    .option("--dead-after <seconds>", "drop a switch after this long without a message", "15")
    .option("--log-level <level>", "trace, debug, info, warn, error, fatal or silent (default: $VNET_LOG_LEVEL or info)")
    .action((flags: ControllerFlags) => run(flags));
}
