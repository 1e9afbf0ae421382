// `vnet realise`: the controller and the realisers of every host, fed from a model file, without the
// API or the inventory. The file is watched: a valid new version is applied (only what changed is
// sent to the switches); an invalid one is reported and changes nothing.

import type { Command } from "commander";
import { readFileSync, watch } from "node:fs";
import { Controller } from "../../controller";
import { createLogger, isLogLevel, setLogLevel } from "../../log";
import type { NetworkModel } from "../../model/types";
import { parseModelText } from "../../realise/model-file";
import { startRealisation, type PassReport } from "../../realise";
import { parseHostPort } from "./controller";

interface RealiseFlags {
  model: string;
  listen: string;
  target?: string;
  datapathType: string;
  reconcile: string;
  logLevel?: string;
}

function loadModel(path: string): NetworkModel {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read the model ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const r = parseModelText(text);
  if (!r.ok) throw new Error(`model ${path} refused:\n${r.errors.map((e) => `  ${e.path || "(model)"}: ${e.message}`).join("\n")}`);
  return r.value;
}

async function realise(flags: RealiseFlags): Promise<void> {
  if (flags.logLevel !== undefined) {
    if (!isLogLevel(flags.logLevel)) throw new Error(`bad log level "${flags.logLevel}": expected trace, debug, info, warn, error, fatal or silent`);
    setLogLevel(flags.logLevel);
  }
  // Everything is checked before anything listens or touches a host.
  const listen = parseHostPort(flags.listen);
  if (flags.datapathType !== "netdev" && flags.datapathType !== "system") throw new Error(`--datapath-type must be netdev or system`);
  const reconcileS = Number(flags.reconcile);
  if (!Number.isFinite(reconcileS) || reconcileS < 0) throw new Error(`--reconcile must be a number of seconds (0: never)`);
  if (flags.target === undefined && listen.host === "0.0.0.0") {
    throw new Error("--target is needed when listening on all addresses: the address the hosts reach this controller at, e.g. tcp:198.51.100.1:6653");
  }
  const controllerTarget = flags.target ?? `tcp:${listen.host}:${listen.port}`;
  if (!/^(tcp|ssl|unix):/.test(controllerTarget)) throw new Error(`bad --target "${controllerTarget}"`);
  const model = loadModel(flags.model);

  const log = createLogger("realise");
  const controller = new Controller({ logger: createLogger("controller") });
  const info = await controller.listenTcp(listen.port, listen.host);
  // One stdout line per pass that sent something, and for the first pass after a switch connects
  // (even when it sent nothing: that is the line that says a restart changed nothing).
  const justConnected = new Set<string>();
  controller.on("switch_up", (sw) => void justConnected.add(sw.dpidHex));
  const realisation = startRealisation({
    model,
    controller,
    controllerTarget,
    datapathType: flags.datapathType,
    reconcileIntervalMs: reconcileS * 1000,
    logger: log,
    onReport: (r) => {
      const line = reportLine(r, justConnected.has(r.dpid));
      if (r.programmed) justConnected.delete(r.dpid);
      if (line) process.stdout.write(line + "\n");
    },
  });
  process.stdout.write(`vnet: realising ${flags.model} (${model.hosts.length} hosts), controller on ${info.address}:${info.port}, hosts connect to ${controllerTarget}\n`);

  let reloadTimer: NodeJS.Timeout | null = null;
  const watcher = watch(flags.model, () => {
    if (reloadTimer) clearTimeout(reloadTimer);
    // Editors write in several steps: read once the file settles.
    reloadTimer = setTimeout(() => {
      try {
        realisation.update(loadModel(flags.model));
        log.info({ file: flags.model }, "model reloaded");
      } catch (err) {
        log.error({ err: err instanceof Error ? err.message : String(err) }, "model not reloaded: the previous one stays");
      }
    }, 200);
  });

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info({ signal }, "shutting down");
      resolve();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  watcher.close();
  if (reloadTimer) clearTimeout(reloadTimer);
  // Flows stay on the switches (fail_mode secure): stopping the controller interrupts no traffic.
  await realisation.close();
  await controller.close();
}

/** The stdout line for a pass, or null when it is not worth one. */
export function reportLine(r: PassReport, firstSinceConnect: boolean): string | null {
  if (r.error) return `vnet: ${r.hostId}: ${r.kind} pass failed: ${r.error}`;
  if (!r.programmed || (!firstSinceConnect && r.flowMods === 0 && r.summary.groupMods === 0)) return null;
  const s = r.summary;
  return (
    `vnet: ${r.hostId}: ${r.kind} pass: ${r.desiredFlows} flows, ${r.desiredGroups} groups desired; ` +
    `sent ${r.flowMods} flow-mods (${s.flowAdds} add, ${s.flowModifies} modify, ${s.flowDeletes} delete), ${s.groupMods} group-mods in ${r.durationMs} ms`
  );
}

export function register(program: Command): void {
  program
    .command("realise")
    .description("program every host of a model file (OVSDB wiring + OpenFlow), keep them reconciled, serve DHCP")
    .requiredOption("--model <file>", 'the model: JSON, either {"changes": [...]} or a whole model')
    .option("--listen <host:port>", "where the controller listens", "0.0.0.0:6653")
    .option("--target <target>", "the controller target written into each br-int (default tcp:LISTEN)")
    .option("--datapath-type <type>", "br-int datapath: netdev (userspace) or system (kernel module)", "netdev")
    .option("--reconcile <seconds>", "full re-read of every switch this often (0: never)", "30")
    .option("--log-level <level>", "trace, debug, info, warn, error, fatal or silent (default: $VNET_LOG_LEVEL or info)")
    .action((flags: RealiseFlags) => realise(flags));
}
