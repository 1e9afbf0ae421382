// The rtnetlink layer against the real kernel, inside a namespace of its own. Node cannot enter
// a namespace, so the steps run in a child process started with `ip netns exec`; it prints one
// JSON object of observations that the assertions below read.

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, tryRun } from "../../src/lab/exec";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NS = `kbnl${randomBytes(3).toString("hex")}`;
let dir = "";
let seen: Record<string, any> = {};

const SCRIPT = `
import { Rtnl } from "${ROOT}src/kernel/netlink/socket";
const r = Rtnl.open();
const out: Record<string, unknown> = {};
const err = async (f: () => Promise<unknown>) => { try { await f(); return null; } catch (e) { return (e as Error).message; } };
const link = async (n: string) => (await r.dumpLinks()).find((l) => l.name === n);
await r.newLink({ kind: "bridge", name: "kbbr", up: true });
const br = (await link("kbbr"))!;
out.bridge = br;
out.eexist = await err(() => r.newLink({ kind: "bridge", name: "kbbr" }));
await r.newLink({ kind: "veth", name: "kbv0", peer: { name: "kbv0p" }, master: br.index });
out.vethBefore = await link("kbv0");
const v0 = (await link("kbv0"))!;
await r.setBrPort(v0.index, "kbv0", { learning: false, isolated: true });
await r.setLink(v0.index, "kbv0", { mtu: 1400, up: true });
out.vethAfter = await link("kbv0");
await r.newLink({ kind: "vxlan", name: "kbvx", vxlan: { vni: 42, local: "198.51.100.9", port: 4789, learning: false }, master: br.index, up: true });
const vx = (await link("kbvx"))!;
out.vxlan = vx;
for (const dst of ["198.51.100.1", "198.51.100.2"]) await r.addFdb({ ifindex: vx.index, dev: "kbvx", mac: "00:00:00:00:00:00", dst });
await r.addFdb({ ifindex: vx.index, dev: "kbvx", mac: "02:00:00:00:00:07", dst: "198.51.100.2" });
await r.addFdb({ ifindex: vx.index, dev: "kbvx", mac: "02:00:00:00:00:07" });
out.fdbAdded = (await r.dumpFdb()).filter((e) => e.ifindex === vx.index);
await r.delFdb({ ifindex: vx.index, dev: "kbvx", mac: "00:00:00:00:00:00", dst: "198.51.100.1" });
await r.delFdb({ ifindex: vx.index, dev: "kbvx", mac: "02:00:00:00:00:07" });
out.fdbAfterDel = (await r.dumpFdb()).filter((e) => e.ifindex === vx.index);
out.enoent = await err(() => r.delFdb({ ifindex: vx.index, dev: "kbvx", mac: "02:00:00:00:00:08", dst: "198.51.100.2" }));
out.enodev = await err(() => r.delLink(99999, "nope"));
out.vlan = await err(() => r.newLink({ kind: "vlan", name: "kbvl", vlanId: 5, lower: br.index }));
await r.setLink(v0.index, "kbv0", { master: 0 });
out.unplugged = await link("kbv0");
for (let i = 0; i < 120; i++) await r.newLink({ kind: "bridge", name: "kbm" + i });
out.manyLinks = (await r.dumpLinks()).filter((l) => l.name.startsWith("kbm")).length;
await r.delLink(br.index, "kbbr");
out.afterDel = (await r.dumpLinks()).map((l) => l.name).filter((n) => n.startsWith("kbbr") || n === "kbvx");
r.close();
process.stdout.write(JSON.stringify(out));
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kbnl-"));
  const file = join(dir, "steps.mts");
  writeFileSync(file, SCRIPT);
  await run(["ip", "netns", "add", NS]);
  const stdout = await run(["ip", "netns", "exec", NS, `${ROOT}node_modules/.bin/tsx`, file], { timeoutMs: 30_000 });
  seen = JSON.parse(stdout);
});

afterAll(async () => {
  await tryRun(["ip", "netns", "del", NS]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("rtnetlink against the kernel", () => {
  it("creates a bridge that is up, and words EEXIST like ip(8) would", () => {
    expect(seen.bridge).toMatchObject({ name: "kbbr", kind: "bridge", up: true });
    expect(seen.eexist).toBe("RTM_NEWLINK kbbr: File exists (EEXIST)");
  });

  it("creates a veth pair plugged into the bridge, then changes its port flags, MTU and state", () => {
    expect(seen.vethBefore).toMatchObject({ kind: "veth", master: seen.bridge.index, up: false, brport: { learning: true, isolated: false } });
    expect(seen.vethAfter).toMatchObject({ mtu: 1400, up: true, brport: { learning: false, isolated: true } });
    expect(seen.unplugged.master).toBeUndefined();
  });

  it("creates a VXLAN device and reads back its parameters", () => {
    expect(seen.vxlan).toMatchObject({ kind: "vxlan", master: seen.bridge.index, up: true, vxlan: { vni: 42, local: "198.51.100.9", port: 4789, learning: false } });
  });

  it("appends head-end entries for several VTEPs, adds per-MAC and static bridge entries, and deletes exactly one", () => {
    const fmt = (e: { mac: string; dst?: string; self: boolean }) => `${e.mac} ${e.dst ?? "-"} ${e.self ? "self" : "master"}`;
    const added = (seen.fdbAdded as { mac: string; dst?: string; self: boolean }[]).map(fmt);
    expect(added).toEqual(
      expect.arrayContaining([
        "00:00:00:00:00:00 198.51.100.1 self",
        "00:00:00:00:00:00 198.51.100.2 self",
        "02:00:00:00:00:07 198.51.100.2 self",
        "02:00:00:00:00:07 - master",
      ]),
    );
    const after = (seen.fdbAfterDel as { mac: string; dst?: string; self: boolean }[]).map(fmt);
    expect(after).toContain("00:00:00:00:00:00 198.51.100.2 self");
    expect(after).not.toContain("00:00:00:00:00:00 198.51.100.1 self");
    expect(after).not.toContain("02:00:00:00:00:07 - master");
    expect(after).toContain("02:00:00:00:00:07 198.51.100.2 self");
  });

  it("turns kernel refusals into sentences naming the request and its subject", () => {
    expect(seen.enoent).toBe("RTM_DELNEIGH 02:00:00:00:00:08 dev kbvx dst 198.51.100.2: No such file or directory (ENOENT)");
    expect(seen.enodev).toBe("RTM_DELLINK nope: No such device (ENODEV)");
    // This machine's kernel has no 8021q; a kernel with it creates the link (null = no error).
    expect([null, "RTM_NEWLINK kbvl: Operation not supported (EOPNOTSUPP)"]).toContain(seen.vlan);
  });

  it("reads dumps that span several netlink messages", () => {
    expect(seen.manyLinks).toBe(120);
  });

  it("deletes a bridge, which leaves its ports in place", () => {
    expect(seen.afterDel).toEqual(["kbvx"]);
  });
});
