// `vnet ofp-print` as an admin runs it: on hex from the command line, and on a capture that tcpdump
// took on loopback while ovs-ofctl added a flow through a switch made of vnet's codec.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Command } from "commander";
import { encode, flowModFromText } from "../../openflow";
import { register } from "../../src/cli/commands/ofp-print";
import { runTool, runToolFull, startFakeSwitch } from "./openflow-peer";
import type { FakeSwitch } from "./openflow-peer";

const VNET = join(__dirname, "../../bin/vnet");
/** Runs `vnet ofp-print ARGS` in this process (starting bin/vnet costs seconds): stdout and exit code. */
async function ofpPrint(args: string[]): Promise<{ stdout: string; code: number }> {
  const program = new Command("vnet").exitOverride();
  register(program);
  let stdout = "";
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => ((stdout += chunk), true)) as typeof process.stdout.write;
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await program.parseAsync(["node", "vnet", "ofp-print", ...args]);
  } finally {
    process.stdout.write = write;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = before;
  return { stdout, code };
}

const hasTools = (await runToolFull("tcpdump", ["--version"])).code === 0 && (await runToolFull("ovs-ofctl", ["--version"])).code === 0;

describe("vnet ofp-print", () => {
  it("bin/vnet decodes hex given on the command line, names bad bytes and exits non-zero", async () => {
    const fm = flowModFromText("table=2,priority=7,tcp,nw_dst=192.0.2.9,tp_dst=22,actions=output:3", { xid: 0x42 });
    const r = await runToolFull(VNET, ["ofp-print", "04630008 00000001", encode(fm).toString("hex")], 60_000);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      "***decode error: unknown message type 99 (at byte 1)***\n0463000800000001\n" +
        "OFPT_FLOW_MOD (OF1.3) (xid=0x42): ADD table=2, priority=7,tcp,nw_dst=192.0.2.9,tp_dst=22 actions=output:3\n",
    );
  });

  it("--json prints one object per message", async () => {
    const fm = flowModFromText("table=2,priority=7,tcp,nw_dst=192.0.2.9,tp_dst=22,actions=output:3", { xid: 0x42 });
    const r = await ofpPrint(["--json", encode(fm).toString("hex")]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ type: "flow_mod", xid: 0x42, tableId: 2, priority: 7, match: { ipv4_dst: "192.0.2.9", tcp_dst: 22 } });
  });
});

describe.skipIf(!hasTools)("vnet ofp-print --pcap on a real capture", () => {
  let sw: FakeSwitch;
  let dir: string;
  beforeAll(async () => {
    sw = await startFakeSwitch();
    dir = mkdtempSync(join(tmpdir(), "of-cli-"));
  });
  afterAll(async () => {
    await sw?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("shows the FLOW_MOD ovs-ofctl sent, and the switch's replies", async () => {
    const file = join(dir, "of.pcap");
    // -Z root: tcpdump would otherwise drop to its own user, which cannot write into our 0700 dir.
    // --immediate-mode: without it packets wait in the kernel's ring for a timeout, and a SIGINT
    // before then loses them.
    const dump = spawn("tcpdump", ["-i", "lo", "-U", "-n", "--immediate-mode", "-Z", "root", "-w", file, "tcp", "port", String(sw.port)], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error("tcpdump did not start")), 10_000);
        dump.stderr.on("data", (d: Buffer) => {
          // "listening on" comes a moment before the filter is attached: wait a little more.
          if (d.toString().includes("listening on")) (clearTimeout(t), setTimeout(resolve, 300));
        });
      });
      await runTool("ovs-ofctl", ["-O", "OpenFlow13", "add-flow", sw.target, "table=0,priority=9,in_port=1,dl_vlan=10,actions=pop_vlan,output:2"]);
      await new Promise((r) => setTimeout(r, 300)); // let tcpdump write the last packets
    } finally {
      dump.kill("SIGINT");
      await new Promise((r) => dump.once("exit", r));
    }
    const text = (await ofpPrint(["--pcap", file, "--port", String(sw.port)])).stdout;
    expect(text).toContain("OFPT_FLOW_MOD (OF1.3)");
    expect(text).toContain("ADD priority=9,in_port=1,dl_vlan=10 actions=pop_vlan,output:2");
    expect(text).toContain("OFPT_BARRIER_REPLY (OF1.3)");
    expect(text).not.toContain("decode error");
    const json = (await ofpPrint(["--json", "--pcap", file, "--port", String(sw.port)])).stdout
      .trim().split("\n").map((l) => JSON.parse(l) as { type: string; stream: string });
    const fm = json.find((m) => m.type === "flow_mod");
    expect(fm).toMatchObject({ priority: 9, match: { in_port: 1, vlan_vid: 0x100a }, stream: expect.stringContaining(`> 127.0.0.1:${sw.port}`) });
  });
});
