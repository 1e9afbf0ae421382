// The controller against a real Open vSwitch (private ovsdb-server + ovs-vswitchd, userspace
// datapath): two namespaces on a bridge that points at `vnet`'s learning switch ping each other,
// the learned flows show in `ovs-ofctl dump-flows`, a switch that reconnects is served again,
// and a bridge connects over TLS with client certificates.
import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrivateOvs } from "../support/private-ovs-ct";

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const sh = async (cmd: string, ...args: string[]): Promise<string> => (await run(cmd, args, { timeout: 20_000 })).stdout;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const canRun = process.getuid?.() === 0 && (await sh("which", "ovs-vswitchd", "openssl", "busybox").then(() => true, () => false));
const id = `${(process.pid % 1000).toString(36)}${Math.floor(Math.random() * 1296).toString(36).padStart(2, "0")}`;
const ns = { a: `ct-${id}-a`, b: `ct-${id}-b` };
const veth = { a: `ct${id}a`, b: `ct${id}b` };
const bridge = { tcp: `ct${id}br`, tls: `ct${id}tls` };
const dpid = { tcp: 0xc7_0000_0000_0001n + BigInt(process.pid) * 16n, tls: 0xc7_0000_0000_0002n + BigInt(process.pid) * 16n };
const LEARNING_COOKIE = "0x4c4541524e000000";
// Not 192.0.2.0/24: this machine's own eth0 is 192.0.2.2, and the root namespace answers ARP for
// it on the veths' host ends (they are ordinary kernel interfaces as well as OVS ports).
const SUBNET = "203.0.113";

let ovs: PrivateOvs | undefined;
let certDir: string;
let controller: ChildProcess | undefined;
const logLines: Record<string, unknown>[] = [];
let tcpPort: number;
let tlsPort: number;

/** Starts `vnet controller` (the standalone CLI) and reads its JSON log lines from stderr. */
async function startController(): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      "--import", "tsx", "src/cli/main.ts", "controller",
      "--listen", "127.0.0.1:0",
      "--tls-listen", "127.0.0.1:0",
      "--tls-key", join(certDir, "controller.key"),
      "--tls-cert", join(certDir, "controller.pem"),
      "--tls-ca", join(certDir, "ca.pem"),
      "--echo-interval", "1", "--dead-after", "3", "--log-level", "info",
    ],
    { cwd: root, stdio: ["ignore", "ignore", "pipe"] },
  );
  controller = child;
  let buffered = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const line of lines) {
      try {
        logLines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logLines.push({ msg: line });
      }
    }
  });
  const listening = await waitFor(() => {
    const l = logLines.filter((x) => x.msg === "listening");
    return l.length === 2 ? l : undefined;
  }, "the controller to listen");
  tcpPort = Number(listening.find((l) => l.transport === "tcp")!.port);
  tlsPort = Number(listening.find((l) => l.transport === "tls")!.port);
}

function upLines(dpidHex: string): Record<string, unknown>[] {
  return logLines.filter((l) => l.msg === "switch up" && l.dpid === dpidHex);
}

async function makeCerts(dir: string): Promise<void> {
  const ssl = (...args: string[]): Promise<string> => sh("openssl", ...args);
  await ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=ct-test-ca", "-keyout", join(dir, "ca.key"), "-out", join(dir, "ca.pem"));
  for (const who of ["controller", "switch"]) {
    await ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=ct-test-${who}`, "-keyout", join(dir, `${who}.key`), "-out", join(dir, `${who}.csr`));
    await ssl("x509", "-req", "-in", join(dir, `${who}.csr`), "-CA", join(dir, "ca.pem"), "-CAkey", join(dir, "ca.key"), "-CAcreateserial", "-days", "1", "-out", join(dir, `${who}.pem`));
  }
}

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${ovs?.vswitchdLog().split("\n").slice(-15).join("\n")}`);
    await sleep(50);
  }
}

async function teardownNetwork(): Promise<void> {
  for (const name of Object.values(ns)) await sh("ip", "netns", "del", name).catch(() => {});
  for (const name of Object.values(veth)) await sh("ip", "link", "del", name).catch(() => {});
}

describe.skipIf(!canRun)("controller with a real Open vSwitch", () => {
  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), "ct-certs-"));
    await makeCerts(certDir);
    await startController();
    ovs = await PrivateOvs.start("ct", { key: join(certDir, "switch.key"), cert: join(certDir, "switch.pem"), ca: join(certDir, "ca.pem") });
    for (const side of ["a", "b"] as const) {
      await sh("ip", "netns", "add", ns[side]);
      await sh("ip", "link", "add", veth[side], "type", "veth", "peer", "name", "eth0", "netns", ns[side]);
      await sh("ip", "link", "set", veth[side], "up");
      await sh("ip", "netns", "exec", ns[side], "ip", "addr", "add", side === "a" ? `${SUBNET}.1/24` : `${SUBNET}.2/24`, "dev", "eth0");
      await sh("ip", "netns", "exec", ns[side], "ip", "link", "set", "eth0", "up");
      await sh("ip", "netns", "exec", ns[side], "ip", "link", "set", "lo", "up");
    }
    await ovs.addBridge(bridge.tcp, dpid.tcp, `tcp:127.0.0.1:${tcpPort}`);
    await ovs.addPort(bridge.tcp, veth.a);
    await ovs.addPort(bridge.tcp, veth.b);
  }, 60_000);

  afterAll(async () => {
    await teardownNetwork();
    await ovs?.stop();
    if (controller && controller.exitCode === null) {
      const exited = new Promise((resolve) => controller!.once("exit", resolve));
      controller.kill("SIGTERM");
      await exited;
    }
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  async function dumpFlows(br: string): Promise<string> {
    return ovs!.ofctl("dump-flows", br);
  }

  async function macOf(side: "a" | "b"): Promise<string> {
    return (await sh("ip", "netns", "exec", ns[side], "cat", "/sys/class/net/eth0/address")).trim();
  }

  async function ping(): Promise<string> {
    // busybox's ping: iputils-ping is not among the packages the project installs.
    return sh("ip", "netns", "exec", ns.a, "busybox", "ping", "-c", "3", "-i", "0.2", "-W", "2", `${SUBNET}.2`);
  }

  const hex = (d: bigint): string => d.toString(16).padStart(16, "0");

  it("learns MACs: the namespaces ping each other and dump-flows shows the learned flows", async () => {
    await waitFor(() => upLines(hex(dpid.tcp))[0], "the OVS bridge to connect");

    const out = await ping();
    expect(out).toMatch(/3 packets transmitted, 3 packets received/);

    const [macA, macB] = [await macOf("a"), await macOf("b")];
    const flows = await dumpFlows(bridge.tcp);
    expect(flows).toMatch(new RegExp(`cookie=${LEARNING_COOKIE},.*priority=0 actions=CONTROLLER:65535`));
    const learned = flows.split("\n").filter((l) => l.includes("priority=100"));
    // One flow per direction, each matching in_port, source and destination MAC, timing out when idle.
    expect(learned.some((l) => l.includes(`dl_src=${macA},dl_dst=${macB}`) && l.includes("idle_timeout=60"))).toBe(true);
    expect(learned.some((l) => l.includes(`dl_src=${macB},dl_dst=${macA}`) && l.includes("idle_timeout=60"))).toBe(true);
    expect(learned.every((l) => l.includes(`cookie=${LEARNING_COOKIE}`))).toBe(true);
  });

  it("serves a switch again after it disconnects and reconnects", async () => {
    const downs = (): number => logLines.filter((l) => l.msg === "switch down" && l.dpid === hex(dpid.tcp)).length;
    const downsBefore = downs();
    const upsBefore = upLines(hex(dpid.tcp)).length;
    await ovs!.vsctl("del-controller", bridge.tcp);
    await waitFor(() => (downs() > downsBefore ? true : undefined), "switch down");
    await ovs!.vsctl("set-controller", bridge.tcp, `tcp:127.0.0.1:${tcpPort}`, "--", "set", "controller", bridge.tcp, "max_backoff=1000");
    await waitFor(() => (upLines(hex(dpid.tcp)).length > upsBefore ? true : undefined), "switch up again");
    // On reconnect the app deleted its old flows and installed the table miss again: learning
    // starts over, and the ping still goes through and is learned again.
    await waitFor(() => (logLines.some((l) => l.msg === "table-miss flow installed" && l.dpid === hex(dpid.tcp)) ? true : undefined), "table miss");
    expect(await ping()).toMatch(/3 packets received/);
    expect(await dumpFlows(bridge.tcp)).toMatch(/priority=100/);
  });

  it("accepts a switch over TLS with a client certificate, and refuses a client without one", async () => {
    await ovs!.addBridge(bridge.tls, dpid.tls, `ssl:127.0.0.1:${tlsPort}`);
    const up = await waitFor(() => upLines(hex(dpid.tls))[0], "the TLS bridge to connect");
    expect(up.ports).toBe(1); // the bridge's LOCAL port
    const flows = await tableMissOn(bridge.tls);
    expect(flows).toMatch(/priority=0 actions=CONTROLLER:65535/);

    const refused = await new Promise<string>((resolve) => {
      const socket = tlsConnect({ host: "127.0.0.1", port: tlsPort, ca: readFileSync(join(certDir, "ca.pem")), rejectUnauthorized: false });
      socket.on("error", (err) => resolve(`error: ${err.message}`));
      socket.on("close", () => resolve("closed"));
      socket.on("data", () => resolve("got data"));
    });
    expect(refused).not.toBe("got data");
    await waitFor(() => logLines.find((l) => l.msg === "TLS handshake refused"), "the refusal in the log");
    expect(controller!.exitCode).toBeNull();
  });

  async function tableMissOn(br: string): Promise<string> {
    for (let i = 0; i < 50; i++) {
      const f = await dumpFlows(br);
      if (f.includes("actions=CONTROLLER:65535")) return f;
      await sleep(100);
    }
    return dumpFlows(br);
  }

  it("times out a switch that stops answering (vswitchd frozen), and serves it again once it recovers", async () => {
    const tcp = hex(dpid.tcp);
    const upsBefore = upLines(tcp).length;
    const frozenAt = Date.now();
    ovs!.freezeVswitchd(true);
    try {
      const down = await waitFor(
        () => logLines.find((l) => l.msg === "switch down" && l.dpid === tcp && Number(l.time) >= frozenAt),
        "the echo timeout",
      );
      // Silent for at least --dead-after (3 s), counted from its last message (maybe before the freeze).
      const silentMs = Number(/^echo timeout: no message from the switch for (\d+) ms$/.exec(String(down.reason))?.[1]);
      expect(silentMs).toBeGreaterThanOrEqual(3000);
    } finally {
      ovs!.freezeVswitchd(false);
    }
    await waitFor(() => (upLines(tcp).length > upsBefore ? true : undefined), "the switch to reconnect");
    expect(await ping()).toMatch(/3 packets received/);
  });

  it("shuts down cleanly and promptly on SIGTERM, even with a TLS peer stuck before its handshake", async () => {
    const stuck = netConnect({ host: "127.0.0.1", port: tlsPort }); // TCP only: never starts TLS
    stuck.on("error", () => {});
    await new Promise((r) => stuck.once("connect", r));
    const exited = new Promise<number | null>((resolve) => controller!.once("exit", (code) => resolve(code)));
    const started = Date.now();
    controller!.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    stuck.destroy();
    expect(logLines.some((l) => l.msg === "shutting down" && l.signal === "SIGTERM")).toBe(true);
  });
});
