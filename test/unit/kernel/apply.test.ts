// applyOps: name -> ifindex resolution, and one refused operation not stopping the others.
// The rtnetlink socket is replaced by a recorder (what is under test is the sequencing).

import { describe, expect, it } from "vitest";
import { applyOps } from "../../../src/kernel/apply";
import type { Op } from "../../../src/kernel/diff";
import { KernelError } from "../../../src/kernel/netlink/errors";
import type { LinkState, NewLink } from "../../../src/kernel/netlink/link";

class FakeKernel {
  links: LinkState[] = [{ index: 1, name: "lo", mtu: 65536, up: true, lowerUp: true }];
  calls: string[] = [];
  private next = 10;
  async dumpLinks() {
    return this.links.map((l) => ({ ...l }));
  }
  async newLink(spec: NewLink) {
    if (this.links.some((l) => l.name === spec.name)) throw new KernelError("RTM_NEWLINK", spec.name, 17);
    this.calls.push(`new ${spec.kind} ${spec.name}${spec.master ? ` master ${spec.master}` : ""}`);
    this.links.push({ index: this.next++, name: spec.name, kind: spec.kind, mtu: 1500, up: !!spec.up, lowerUp: true });
  }
  async setLink(index: number, name: string, change: { up?: boolean; master?: number }) {
    this.calls.push(`set ${index}/${name} ${JSON.stringify(change)}`);
  }
  async setBrPort(index: number, name: string, flags: object) {
    this.calls.push(`brport ${index}/${name} ${JSON.stringify(flags)}`);
  }
  async delLink(index: number, name: string) {
    this.calls.push(`del ${index}/${name}`);
    this.links = this.links.filter((l) => l.index !== index);
  }
  async addFdb(k: { ifindex: number; mac: string; dst?: string }) {
    this.calls.push(`fdb+ ${k.ifindex} ${k.mac} ${k.dst ?? "master"}`);
  }
  async delFdb(k: { ifindex: number; mac: string; dst?: string }) {
    this.calls.push(`fdb- ${k.ifindex} ${k.mac} ${k.dst ?? "master"}`);
  }
}

describe("applyOps", () => {
  it("resolves names to the ifindex of links created earlier in the same run", async () => {
    const k = new FakeKernel();
    const ops: Op[] = [
      { op: "link-add", link: { kind: "bridge", name: "vnbr7", networkId: "n" }, reason: "vnbr7 is missing" },
      { op: "link-add", link: { kind: "vxlan", name: "vnvx7", networkId: "n", bridge: "vnbr7", vni: 7, local: "198.51.100.1", port: 4789 }, reason: "vnvx7 is missing" },
      { op: "brport-set", name: "vnvx7", flags: { learning: false }, reason: "r" },
      { op: "fdb-add", entry: { dev: "vnvx7", mac: "00:00:00:00:00:00", dst: "198.51.100.2" }, reason: "r" },
    ];
    const out = await applyOps(k, ops);
    expect(out.errors).toEqual([]);
    expect(k.calls).toEqual(["new bridge vnbr7", "new vxlan vnvx7 master 10", 'brport 11/vnvx7 {"learning":false}', "fdb+ 11 00:00:00:00:00:00 198.51.100.2"]);
    expect(out.done).toHaveLength(4);
  });

  it("reports a refused or impossible operation with the kernel's words and runs the rest", async () => {
    const k = new FakeKernel();
    k.links.push({ index: 5, name: "vnbr7", kind: "bridge", mtu: 1500, up: true, lowerUp: true });
    const ops: Op[] = [
      { op: "link-add", link: { kind: "bridge", name: "vnbr7", networkId: "n" }, reason: "vnbr7 is missing" },
      { op: "link-set", name: "vnpgone", master: "vnbr7", reason: "vnpgone is plugged into nothing" },
      { op: "link-set", name: "vnbr7", up: true, reason: "vnbr7 is down" },
    ];
    const out = await applyOps(k, ops);
    expect(out.errors).toEqual([
      "link-add (vnbr7 is missing): RTM_NEWLINK vnbr7: File exists (EEXIST)",
      "link-set (vnpgone is plugged into nothing): vnpgone does not exist",
    ]);
    expect(k.calls).toEqual(['set 5/vnbr7 {"up":true}']);
  });

  it("unplugs with master 0", async () => {
    const k = new FakeKernel();
    k.links.push({ index: 9, name: "vnp0123456789ab", mtu: 1500, up: true, lowerUp: true, master: 5 });
    await applyOps(k, [{ op: "link-set", name: "vnp0123456789ab", master: null, up: false, reason: "r" }]);
    expect(k.calls).toEqual(['set 9/vnp0123456789ab {"up":false,"master":0}']);
  });
});
