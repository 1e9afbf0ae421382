// The description of the machine a run was taken on: CPU, memory, kernel, whether the OVS kernel
// datapath exists, and the versions of the tools whose behaviour the numbers depend on.

import { existsSync, readFileSync } from "node:fs";
import { cpus, hostname, loadavg, release, totalmem } from "node:os";
import { tryRun } from "../../lab/exec";
import type { MachineInfo } from "./types";

async function firstLine(argv: string[], pattern?: RegExp): Promise<string> {
  const r = await tryRun(argv, { timeoutMs: 5000 });
  const text = `${r.stdout}\n${r.stderr}`;
  const line = text.split("\n").find((l) => (pattern ? pattern.test(l) : l.trim())) ?? "";
  return (pattern ? pattern.exec(line)?.[1] : line.trim()) ?? "unknown";
}

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync("/etc/os-release", "utf8"));
    return pretty?.[1] ?? "Linux";
  } catch {
    return "Linux";
  }
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** The openvswitch module is loaded or built in (/sys/module) or loadable (modules.dep). */
function hasOvsKernelModule(): boolean {
  if (existsSync("/sys/module/openvswitch")) return true;
  try {
    return /\/openvswitch\.ko/.test(readFileSync(`/lib/modules/${release()}/modules.dep`, "utf8"));
  } catch {
    return false;
  }
}

export async function describeMachine(): Promise<MachineInfo> {
  const [ovs, iperf3, git] = await Promise.all([
    firstLine(["ovs-vswitchd", "--version"], /\(Open vSwitch\)\s+(\S+)/),
    firstLine(["iperf3", "--version"], /^iperf\s+(\S+)/),
    firstLine(["git", "rev-parse", "--short", "HEAD"]),
  ]);
  const c = cpus();
  return {
    hostname: hostname(),
    cpuModel: c[0]?.model.trim() ?? "unknown",
    cpus: c.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    os: osName(),
    ovsKernelDatapath: hasOvsKernelModule(),
    versions: { vnet: `${packageVersion()} (${git})`, node: process.versions.node, "Open vSwitch": ovs, iperf3 },
    loadAverage: loadavg(),
  };
}
