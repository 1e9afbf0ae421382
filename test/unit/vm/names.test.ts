import { describe, expect, it } from "vitest";
import { checkSpec, domainName, networkBridgeName, nicExternalIds, nicHostIfName, vmNetnsName } from "../../../src/vm/names";
import { portIfName } from "../../../src/kernel/linkset";
import { flat, overlay, port, spec } from "./fixtures";

describe("VM names and spec checks", () => {
  it("names the host end of a NIC as the kernel backend expects, within IFNAMSIZ", () => {
    expect(nicHostIfName("port-abc")).toBe(portIfName("port-abc"));
    expect(nicHostIfName("port-abc")).toMatch(/^vnp[0-9a-f]{12}$/);
    expect(nicHostIfName("port-abc")).not.toBe(nicHostIfName("port-abd"));
  });

  it("puts a VM's namespace next to its host's and prefixes its domain", () => {
    expect(vmNetnsName("lb-lab1-h1", "web1")).toBe("lb-lab1-h1-vm-web1");
    expect(domainName("web1")).toBe("vm-web1");
  });

  it("finds the Linux bridge of overlay and provider networks", () => {
    expect(networkBridgeName(overlay)).toBe("vnbr42");
    expect(networkBridgeName(flat)).toBe("vnbrflat");
    expect(networkBridgeName({ ...flat, segmentationId: 7 })).toBe("vnbrv7");
  });

  it("gives each OVS interface the ids the realiser binds on", () => {
    const s = spec();
    expect(nicExternalIds(s, s.nics[0]!)).toEqual({ "iface-id": "if-p1", "attached-mac": "02:00:00:00:00:01", "vm-id": "vm-1", "iface-status": "active" });
  });

  it("accepts a good spec and refuses bad ones with the reason", () => {
    expect(() => checkSpec(spec())).not.toThrow();
    expect(() => checkSpec(spec({ vm: { ...spec().vm, name: "../x" } }))).toThrow(/bad VM name/);
    expect(() => checkSpec(spec({ vm: { ...spec().vm, hostId: "h2" } }))).toThrow(/is on host h2/);
    expect(() => checkSpec(spec({ nics: [{ port: port("p1", "01:00:00:00:00:01"), network: overlay }] }))).toThrow(/bad MAC "01:00:00:00:00:01"/);
    expect(() => checkSpec(spec({ nics: [{ port: port("p1", "02:00:00:00:00:0A"), network: overlay }] }))).toThrow(/bad MAC/);
    const twice = [port("p1", "02:00:00:00:00:01"), port("p2", "02:00:00:00:00:01")].map((p) => ({ port: p, network: overlay }));
    expect(() => checkSpec(spec({ nics: twice }))).toThrow(/two NICs with MAC/);
    expect(() => checkSpec(spec({ nics: [{ port: { ...port("p1", "02:00:00:00:00:01"), hostId: "h9" }, network: overlay }] }))).toThrow(/bound to host h9/);
    expect(() => checkSpec(spec({ nics: [{ port: port("p1", "02:00:00:00:00:01"), network: flat }] }))).toThrow(/no network in the spec/);
    const many = Array.from({ length: 17 }, (_, i) => ({ port: port(`p${i}`, `02:00:00:00:00:${(i + 16).toString(16)}`), network: overlay }));
    expect(() => checkSpec(spec({ nics: many }))).toThrow(/17 NICs: at most 16/);
    expect(() => checkSpec({} as never)).toThrow(/needs a VM/);
  });
});
