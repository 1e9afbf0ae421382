// libvirt through `virsh` (one short process per call; bindings such as @unraid/libvirt need a
// native build against libvirt-dev, and virsh's text is stable enough for the few commands used).
// Without systemd nobody starts libvirtd: `ensureLibvirtd` starts virtlogd and libvirtd
// daemonised when a local URI does not answer.

import { tryRun, type RunResult } from "../../lab/exec";
import { VmDriverError } from "../errors";

export const LOCAL_URI = "qemu:///system";

export const isLocalUri = (uri: string): boolean => /^qemu:\/\/\/(system|session)$/.test(uri);

export function virsh(uri: string, args: readonly string[], timeoutMs = 60_000): Promise<RunResult> {
  return tryRun(["virsh", "-q", "-c", uri, ...args], { timeoutMs });
}

/** Runs virsh and throws a VmDriverError carrying virsh's own message on failure. */
export async function virshOk(uri: string, args: readonly string[], what: string, timeoutMs?: number): Promise<string> {
  const r = await virsh(uri, args, timeoutMs);
  if (r.code === 127 && /ENOENT|not found/.test(r.stderr)) {
    throw new VmDriverError("virsh is not installed: apt-get install libvirt-clients libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86");
  }
  if (r.code !== 0) throw new VmDriverError(`${what} failed: ${r.stderr.trim().replace(/^error: /gm, "") || `virsh exit ${r.code}`}`);
  return r.stdout;
}

async function running(program: string): Promise<boolean> {
  return (await tryRun(["pgrep", "-x", program])).code === 0;
}

/**
 * Makes sure a local libvirtd answers; starts virtlogd and libvirtd (daemonised, -d) when not.
 * Returns the daemons it started, so that a test can stop exactly those.
 */
export async function ensureLibvirtd(uri = LOCAL_URI, log: (line: string) => void = () => undefined): Promise<string[]> {
  if (!isLocalUri(uri)) return [];
  if ((await virsh(uri, ["version"], 10_000)).code === 0) return [];
  const started: string[] = [];
  for (const daemon of ["virtlogd", "libvirtd"]) {
    if (await running(daemon)) continue;
    log(`libvirt: starting ${daemon}`);
    const r = await tryRun([daemon, "-d"], { timeoutMs: 10_000 });
    if (r.code !== 0) {
      throw new VmDriverError(
        r.code === 127
          ? `${daemon} is not installed: apt-get install libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86`
          : `could not start ${daemon}: ${r.stderr.trim()}`,
      );
    }
    started.push(daemon);
  }
  for (let i = 0; i < 100; i++) {
    if ((await virsh(uri, ["version"], 10_000)).code === 0) return started;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new VmDriverError(`libvirtd does not answer on ${uri} after starting it`);
}
