// The Open_vSwitch helpers against a real ovsdb-server + ovs-vswitchd (userspace datapath, in a
// namespace this file makes), cross-checked with ovs-vsctl.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { connectVswitch, ensureBridge, ensurePort, ensureTunnelPort, removePort, setPortVlan, setInterfaceExternalIds,
  waitForOfport, ofportOf, bridgePorts, deleteBridge, onVswitchEvents, stableDatapathId, type VswitchEvent } from "../../src/ovsdb/vswitch";
import type { OvsdbClient } from "../../src/ovsdb/client";
import { run } from "../../src/lab/exec";
import { vsctl } from "../../src/lab/ovs";
import { startPrivateOvs, type PrivateOvs } from "../support/ovs";

let ovs: PrivateOvs;
let client: OvsdbClient;
const events: VswitchEvent[] = [];

beforeAll(async () => {
  ovs = await startPrivateOvs({ vswitchd: true, systemId: "lb-vswitch-test" });
  client = await connectVswitch(ovs.unixTarget);
  onVswitchEvents(client, (e) => events.push(...e));
});

afterAll(async () => {
  client?.close();
  await ovs?.stop();
});

const get = (args: string[]) => vsctl(ovs.dir, ["--if-exists", "get", ...args]).then((s) => s.trim());

describe("Open_vSwitch helpers", () => {
  it("ensureBridge creates a working netdev bridge with controller, then changes nothing when called again", async () => {
    const spec = {
      name: "br-int",
      datapathType: "netdev" as const,
      controllers: [{ target: "tcp:127.0.0.1:6653", inactivityProbeMs: 3000, maxBackoffMs: 1000 }],
    };
    const first = await ensureBridge(client, spec);
    expect(first.changed).toBe(true);
    // The bridge is alive: vswitchd gave its local port the reserved number OFPP_LOCAL.
    expect(await waitForOfport(client, "br-int")).toBe(65534);
    expect(await get(["Bridge", "br-int", "datapath_type"])).toBe("netdev");
    expect(await get(["Bridge", "br-int", "fail_mode"])).toBe("secure");
    expect(await get(["Bridge", "br-int", "protocols"])).toBe("[OpenFlow13]");
    expect(await get(["Bridge", "br-int", "other_config:datapath-id"])).toBe(`"${stableDatapathId("lb-vswitch-test/br-int")}"`);
    // vswitchd applied the datapath id we asked for.
    await client.waitFor((r) => (r.find("Bridge", "name", "br-int")?.datapath_id as string[])?.[0] === stableDatapathId("lb-vswitch-test/br-int"), 3000);
    expect(await vsctl(ovs.dir, ["get-controller", "br-int"])).toBe("tcp:127.0.0.1:6653\n");
    expect(await get(["Controller", (await get(["Bridge", "br-int", "controller"])).replace(/[[\]]/g, ""), "inactivity_probe"])).toBe("3000");
    const again = await ensureBridge(client, spec);
    expect(again).toMatchObject({ changed: false, uuid: first.uuid });
    // Changing the controller target replaces it, in place.
    const moved = await ensureBridge(client, { ...spec, controllers: [{ target: "tcp:127.0.0.1:6654" }] });
    expect(moved.changed).toBe(true);
    expect(await vsctl(ovs.dir, ["get-controller", "br-int"])).toBe("tcp:127.0.0.1:6654\n");
    // PACKET_IN rate limits: set, idempotent, changed in place, bad values refused before sending.
    const limited = { ...spec, controllers: [{ target: "tcp:127.0.0.1:6654", rateLimit: 1000, burstLimit: 100 }] };
    expect((await ensureBridge(client, limited)).changed).toBe(true);
    const ctrl = () => get(["Bridge", "br-int", "controller"]).then((c) => c.replace(/[[\]]/g, ""));
    expect(await get(["Controller", await ctrl(), "controller_rate_limit"])).toBe("1000");
    expect(await get(["Controller", await ctrl(), "controller_burst_limit"])).toBe("100");
    expect((await ensureBridge(client, limited)).changed).toBe(false);
    await ensureBridge(client, { ...spec, controllers: [{ target: "tcp:127.0.0.1:6654", rateLimit: 200 }] });
    expect(await get(["Controller", await ctrl(), "controller_rate_limit"])).toBe("200");
    expect(await get(["Controller", await ctrl(), "controller_burst_limit"])).toBe("[]");
    await expect(ensureBridge(client, { ...spec, controllers: [{ target: "tcp:127.0.0.1:6654", rateLimit: 50 }] })).rejects.toThrow(
      "bad controller rate limit 50: an integer of at least 100",
    );
    await expect(ensureBridge(client, { ...spec, controllers: [{ target: "tcp:127.0.0.1:6654", rateLimit: 100, burstLimit: 10 }] })).rejects.toThrow(/burst limit 10/);
    expect(await get(["Controller", await ctrl(), "controller_rate_limit"])).toBe("200");
    expect(events).toEqual(expect.arrayContaining([{ type: "bridge-added", bridge: "br-int" }, { type: "ofport-assigned", iface: "br-int", ofport: 65534 }]));
  });

  it("adds internal, system, vxlan and geneve ports and reads their ofports", async () => {
    // A veth whose end lives in the vswitchd's namespace, for a "system" port.
    await run(["ip", "-n", ovs.netns!, "link", "add", "lbsys0", "type", "veth", "peer", "name", "lbsys1"]);
    await run(["ip", "-n", ovs.netns!, "link", "set", "lbsys0", "up"]);
    await ensurePort(client, "br-int", { name: "int0", type: "internal", ofportRequest: 40 });
    await ensurePort(client, "br-int", {
      name: "lbsys0",
      interfaceExternalIds: { "iface-id": "port-a", "attached-mac": "02:00:00:00:00:0a", "vm-id": "vm-a" },
    });
    await ensureTunnelPort(client, "br-int", { name: "vx-h2", kind: "vxlan", remoteIp: "192.0.2.2", localIp: "192.0.2.1" });
    await ensureTunnelPort(client, "br-int", { name: "gnv-h2", kind: "geneve", remoteIp: "192.0.2.2", key: 77 });
    await ensurePort(client, "br-int", { name: "lbtap0", type: "tap" });
    const ofports = await Promise.all(["int0", "lbsys0", "vx-h2", "gnv-h2"].map((n) => waitForOfport(client, n)));
    // vswitchd created the tap device inside its namespace.
    expect(await waitForOfport(client, "lbtap0")).toBeGreaterThan(0);
    expect((await run(["ip", "-n", ovs.netns!, "-o", "link", "show", "lbtap0"]))).toContain("lbtap0");
    expect(ofports[0]).toBe(40);
    expect(new Set(ofports).size).toBe(4);
    for (const [i, name] of ["int0", "lbsys0", "vx-h2", "gnv-h2"].entries()) {
      expect(await get(["Interface", name, "ofport"])).toBe(String(ofports[i]));
    }
    expect(await get(["Interface", "vx-h2", "options"])).toBe('{key=flow, local_ip="192.0.2.1", remote_ip="192.0.2.2"}');
    expect(await get(["Interface", "gnv-h2", "type"])).toBe("geneve");
    expect(await get(["Interface", "gnv-h2", "options:key"])).toBe('"77"');
    expect(await get(["Interface", "lbsys0", "external_ids:iface-id"])).toBe("port-a");
    const views = bridgePorts(client.replica, "br-int");
    expect(views.map((v) => v.name)).toEqual(["br-int", "gnv-h2", "int0", "lbsys0", "lbtap0", "vx-h2"]);
    expect(views.find((v) => v.name === "lbsys0")!.externalIds).toEqual({ "iface-id": "port-a", "attached-mac": "02:00:00:00:00:0a", "vm-id": "vm-a" });
    expect(events).toEqual(expect.arrayContaining([
      { type: "iface-id-changed", iface: "lbsys0", ifaceId: "port-a", previous: undefined },
      { type: "ofport-assigned", iface: "vx-h2", ofport: ofports[2] },
    ]));
    // Ensuring again with the same spec sends nothing.
    expect((await ensureTunnelPort(client, "br-int", { name: "vx-h2", kind: "vxlan", remoteIp: "192.0.2.2", localIp: "192.0.2.1" })).changed).toBe(false);
  });

  it("reports an interface error for a system port whose device does not exist", async () => {
    await ensurePort(client, "br-int", { name: "lbmissing" });
    await expect(waitForOfport(client, "lbmissing", 3000)).rejects.toThrow(/interface lbmissing: .*(No such device|could not open)/i);
    expect(events.some((e) => e.type === "interface-error" && e.iface === "lbmissing")).toBe(true);
    expect(await removePort(client, "br-int", "lbmissing")).toBe(true);
  });

  it("sets VLAN tag and trunks, and external_ids, each in one transaction", async () => {
    expect(await setPortVlan(client, "int0", { tag: 100 })).toBe(true);
    expect(await get(["Port", "int0", "tag"])).toBe("100");
    expect(await setPortVlan(client, "int0", { tag: null, trunks: [10, 20] })).toBe(true);
    expect(await get(["Port", "int0", "tag"])).toBe("[]");
    expect(await get(["Port", "int0", "trunks"])).toBe("[10, 20]");
    expect(await setPortVlan(client, "int0", { trunks: [20, 10] })).toBe(false);
    await expect(setPortVlan(client, "int0", { tag: 4096 })).rejects.toThrow("bad VLAN 4096: 0-4095");
    expect(await setInterfaceExternalIds(client, "lbsys0", { "iface-id": "port-b", "vm-id": null })).toBe(true);
    expect(await get(["Interface", "lbsys0", "external_ids"])).toBe('{attached-mac="02:00:00:00:00:0a", iface-id=port-b}');
    await expect(ensurePort(client, "br-nope", { name: "x0" })).rejects.toThrow("no bridge br-nope");
    await expect(ensurePort(client, "br-int", { name: "bad name!" })).rejects.toThrow(/bad port name/);
  });

  it("20 concurrent ensurePort calls on one bridge all succeed; a concurrent add of the same name converges", async () => {
    await ensureBridge(client, { name: "br-many", datapathType: "netdev" });
    const names = Array.from({ length: 20 }, (_, i) => `many${i}`);
    const results = await Promise.all(names.map((name) => ensurePort(client, "br-many", { name, type: "internal" })));
    expect(results.every((r) => r.changed && r.commit?.status === "success")).toBe(true);
    expect((await vsctl(ovs.dir, ["list-ports", "br-many"])).split("\n").filter(Boolean).sort()).toEqual([...names].sort());
    // A second client adding ports at the same moment does not defeat the first either.
    const other = await connectVswitch(ovs.unixTarget);
    try {
      const both = await Promise.all([
        ...["x0", "x1", "x2", "x3", "x4"].map((n) => ensurePort(client, "br-many", { name: `many${n}`, type: "internal" })),
        ...["y0", "y1", "y2", "y3", "y4"].map((n) => ensurePort(other, "br-many", { name: `many${n}`, type: "internal" })),
        // The same name from both clients: one inserts, the other finds it and changes nothing else.
        ensurePort(client, "br-many", { name: "manysame", type: "internal", interfaceExternalIds: { a: "1" } }),
        ensurePort(other, "br-many", { name: "manysame", type: "internal", interfaceExternalIds: { b: "2" } }),
      ]);
      expect(both.every((r) => r.commit?.status === "success")).toBe(true);
    } finally {
      other.close();
    }
    expect((await vsctl(ovs.dir, ["list-ports", "br-many"])).split("\n").filter(Boolean)).toHaveLength(31);
    expect(await get(["Interface", "manysame", "external_ids"])).toBe("{a=\"1\", b=\"2\"}");
    expect(await vsctl(ovs.dir, ["--columns=name", "--bare", "find", "Port", "name=manysame"])).toBe("manysame\n");
    expect(await deleteBridge(client, "br-many")).toBe(true);
  });

  it("removes ports and bridges, and OVS garbage-collects their rows", async () => {
    const ofport = ofportOf(client.replica, "vx-h2");
    expect(ofport).toBeGreaterThan(0);
    expect(await removePort(client, "br-int", "vx-h2")).toBe(true);
    expect(await removePort(client, "br-int", "vx-h2")).toBe(false);
    await client.waitFor((r) => !r.find("Interface", "name", "vx-h2"), 2000);
    expect(await vsctl(ovs.dir, ["list-ports", "br-int"])).toBe("gnv-h2\nint0\nlbsys0\nlbtap0\n");
    expect(await deleteBridge(client, "br-int")).toBe(true);
    expect(await vsctl(ovs.dir, ["list-br"])).toBe("");
    expect(events).toEqual(expect.arrayContaining([{ type: "port-removed", port: "vx-h2" }, { type: "bridge-removed", bridge: "br-int" }]));
  });
});
