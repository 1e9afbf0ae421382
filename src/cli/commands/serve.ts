// `vnet serve`: the API, the live stream and the dashboard in one process, over the inventory in
// the data directory. `serve()` is exported so that the process that also runs the controller and
// the realisers can start the same thing and feed its live view.
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { AppOptions } from "../../api/app";
import { startServer, type RunningServer } from "../../api/server";
import { makeDirectory } from "../../inventory/dirs";
import { lockDataDir } from "../../inventory/lock";
import { openInventory, type SqliteInventory } from "../../inventory/sqlite";
import { cookieOwners } from "../../live/owners";
import { LiveView } from "../../live/view";
import { parseListen, startVnet } from "../../server/index";

export const DEFAULT_PORT = 7080;

/** --data-dir, else $VNET_DATA_DIR, else ./.vnet */
export function resolveDataDir(flag: string | undefined): string {
  return resolve(flag ?? process.env.VNET_DATA_DIR ?? ".vnet");
}

export function dataDirOption(cmd: Command): Command {
  return cmd.option("--data-dir <dir>", "where the inventory lives (default $VNET_DATA_DIR or ./.vnet)");
}

export interface ServeOptions extends Omit<AppOptions, "store" | "https"> {
  dataDir: string;
  host?: string;
  port?: number;
  tlsCert?: string;
  tlsKey?: string;
}

export async function serve(opts: ServeOptions): Promise<RunningServer & { store: SqliteInventory; live: LiveView }> {
  if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) throw new Error("HTTPS needs both --tls-cert and --tls-key");
  makeDirectory(opts.dataDir);
  const unlock = lockDataDir(opts.dataDir);
  let store: SqliteInventory;
  try {
    store = openInventory(opts.dataDir);
  } catch (err) {
    unlock();
    throw err;
  }
  // Flows are attributed to tenants through the pipeline's cookies and the inventory.
  const live = opts.live ?? new LiveView({ flowOwner: cookieOwners(() => store.state()) });
  try {
    const https = opts.tlsCert && opts.tlsKey ? { cert: readFileSync(opts.tlsCert), key: readFileSync(opts.tlsKey) } : undefined;
    const server = await startServer({ ...opts, store, live, ...(https ? { https } : {}) });
    return {
      ...server,
      store,
      live,
      async close() {
        await server.close();
        store.close();
        unlock();
      },
    };
  } catch (err) {
    store.close();
    unlock();
    throw err;
  }
}

export function register(program: Command): void {
  dataDirOption(
    program
      .command("serve")
      .description("run vnet: the OpenFlow controller, the realisers, the VM drivers, the API and the dashboard")
      .option("--host <addr>", "address the API and dashboard listen on", "127.0.0.1")
      .option("--port <port>", `API TCP port (0: any free port)`, String(DEFAULT_PORT))
      .option("--tls-cert <file>", "PEM certificate: serve HTTPS")
      .option("--tls-key <file>", "PEM private key for --tls-cert")
      .option("--no-dashboard", "API only")
      .option("--controller-listen <addr:port>", "where the OpenFlow controller listens", "0.0.0.0:6653")
      .option("--controller-target <target>", "what switches connect to, e.g. tcp:198.51.100.1:6653 (default: from --controller-listen)")
      .option("--datapath-type <type>", "br-int datapath on OVS hosts: netdev (userspace) or system (kernel module)", "netdev"),
  ).action(
    async (o: {
      host: string;
      port: string;
      tlsCert?: string;
      tlsKey?: string;
      dashboard: boolean;
      dataDir?: string;
      controllerListen: string;
      controllerTarget?: string;
      datapathType: string;
    }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535 (got "${o.port}")`);
      if (o.datapathType !== "netdev" && o.datapathType !== "system") throw new Error(`--datapath-type must be netdev or system (got "${o.datapathType}")`);
      const listen = parseListen(o.controllerListen);
      const dataDir = resolveDataDir(o.dataDir);
      const vnet = await startVnet({
        dataDir,
        api: { host: o.host, port, dashboard: o.dashboard, ...(o.tlsCert ? { tlsCert: o.tlsCert } : {}), ...(o.tlsKey ? { tlsKey: o.tlsKey } : {}) },
        controller: { host: listen.host, port: listen.port, ...(o.controllerTarget ? { target: o.controllerTarget } : {}) },
        datapathType: o.datapathType,
      });
      // One line on stdout that scripts (and the tests) wait for.
      process.stdout.write(
        `vnet: serving ${vnet.url} (inventory ${dataDir}); controller on ${vnet.controllerAddress.address}:${vnet.controllerAddress.port}, switches connect to ${vnet.controllerTarget}\n`,
      );
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        vnet.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    },
  );
}
