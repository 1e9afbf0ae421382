// `vnet demo`: builds a two-host lab, runs vnet on it with two tenants and their VMs, prints the
// dashboard URL and tokens, and removes everything on Ctrl-C (or SIGTERM, or an error). See
// docs/demo.md.
import type { Command } from "commander";
import { DEMO_BACKENDS, type DemoBackend } from "../../demo/plan";
import { startDemo } from "../../demo/run";
import { VM_DRIVER_KINDS, type VmDriverKind } from "../../inventory/types";
import { CONTROLLER_PORT } from "../../lab/plan";
import { isIP } from "node:net";
import { isLogLevel, setLogLevel } from "../../log";

export function register(program: Command): void {
  program
    .command("demo")
    .description("build a 2-host lab with two tenants and their VMs, and serve the dashboard (needs root)")
    .option("--backend <backend>", "ovs, bridge, or mixed (one host of each)", "ovs")
    .option("--vm <kind>", "netns (namespaces) or libvirt (QEMU guests)", "netns")
    .option("--listen <addr>", "address the dashboard listens on", "127.0.0.1")
    .option("--port <port>", "dashboard port (0: any free port)", "7080")
    .option("--lab <name>", "lab name: a lowercase letter and up to 7 letters or digits", "demo")
    .option("--controller-port <port>", "OpenFlow port, at the lab's controller address", String(CONTROLLER_PORT))
    // The server's JSON log lines would bury the progress lines and the tokens: warnings only,
    // unless asked (or VNET_LOG_LEVEL is set).
    .option("--log-level <level>", "server log on stderr: trace, debug, info, warn, error, silent", process.env.VNET_LOG_LEVEL || "warn")
    .action(async (o: { backend: string; vm: string; listen: string; port: string; lab: string; controllerPort: string; logLevel: string }) => {
      if (!isLogLevel(o.logLevel)) throw new Error(`--log-level must be one of trace, debug, info, warn, error, fatal, silent (got "${o.logLevel}")`);
      setLogLevel(o.logLevel);
      if (!(DEMO_BACKENDS as readonly string[]).includes(o.backend)) throw new Error(`--backend must be ${DEMO_BACKENDS.join(", ")} (got "${o.backend}")`);
      if (!(VM_DRIVER_KINDS as readonly string[]).includes(o.vm)) throw new Error(`--vm must be ${VM_DRIVER_KINDS.join(" or ")} (got "${o.vm}")`);
      if (isIP(o.listen) === 0) throw new Error(`--listen must be an IP address (got "${o.listen}")`);
      const port = Number(o.port);
      const controllerPort = Number(o.controllerPort);
      for (const [flag, v] of [["--port", port], ["--controller-port", controllerPort]] as const) {
        if (!Number.isInteger(v) || v < 0 || v > 65535) throw new Error(`${flag} must be 0-65535`);
      }
      const print = (line: string) => process.stdout.write(line + "\n");
      // Signals that arrive while the demo is still being built stop it as soon as it can.
      const abort = new AbortController();
      const early = () => abort.abort();
      process.on("SIGINT", early);
      process.on("SIGTERM", early);
      const demo = await startDemo({ backend: o.backend as DemoBackend, vm: o.vm as VmDriverKind, listen: o.listen, port, lab: o.lab, controllerPort, print, signal: abort.signal });
      process.off("SIGINT", early);
      process.off("SIGTERM", early);
      let done = false;
      const finish = (signal: string) => {
        if (done) return;
        done = true;
        print(`vnet demo: ${signal}: removing VMs, vnet and the lab ...`);
        demo.stop().then(
          () => {
            print("vnet demo: everything removed");
            process.exit(0);
          },
          (err: unknown) => {
            print(`vnet demo: cleanup failed: ${err instanceof Error ? err.message : String(err)}`);
            process.exit(1);
          },
        );
      };
      process.on("SIGINT", () => finish("SIGINT"));
      process.on("SIGTERM", () => finish("SIGTERM"));
    });
}
