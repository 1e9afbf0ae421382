import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseLease, readLeases, udhcpcScript } from "../../../src/vm/netns/dhcp";

describe("netns VM DHCP client script and leases", () => {
  it("records a lease where the driver reads it, and never writes /etc/resolv.conf", () => {
    const dir = mkdtempSync(join(tmpdir(), "vm dhcp '"));
    try {
      const calls = join(dir, "calls");
      writeFileSync(join(dir, "ip"), `#!/bin/sh\necho "$*" >> '${calls.replace(/'/g, `'\\''`)}'\nexit 0\n`, { mode: 0o755 });
      const script = join(dir, "udhcpc.sh");
      writeFileSync(script, udhcpcScript(dir), { mode: 0o755 });
      const env = { PATH: `${dir}:/usr/bin:/bin`, interface: "eth0", ip: "203.0.113.20", mask: "27", router: "203.0.113.1", dns: "203.0.113.53", lease: "3600", serverid: "203.0.113.2", mtu: "1450" };
      execFileSync("sh", [script, "bound"], { env });
      expect(readLeases(dir)).toEqual([{ ifname: "eth0", ip: "203.0.113.20/27", router: "203.0.113.1", dns: ["203.0.113.53"], leaseSeconds: 3600, server: "203.0.113.2", mtu: 1450 }]);
      const ipCalls = readFileSync(calls, "utf8");
      expect(ipCalls).toContain("addr add 203.0.113.20/27 dev eth0");
      expect(ipCalls).toContain("route replace default via 203.0.113.1 dev eth0");
      expect(ipCalls).toContain("link set eth0 mtu 1450");
      expect(udhcpcScript(dir)).not.toMatch(/resolv/);
      execFileSync("sh", [script, "deconfig"], { env });
      expect(readLeases(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects a lease file without a valid address", () => {
    expect(parseLease("eth0", "ip=/\nrouter=\n")).toBeUndefined();
    expect(parseLease("eth0", "garbage")).toBeUndefined();
    expect(parseLease("eth1", "ip=198.51.100.3/24\nrouter=\ndns=\nlease=x\n")).toEqual({ ifname: "eth1", ip: "198.51.100.3/24", router: null, dns: [], leaseSeconds: null, server: null, mtu: null });
  });
});
