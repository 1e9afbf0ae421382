// The lab's address and name plan. Pure (no network), kept with the lab tests because the lab's
// test files are the ones this plan serves.
import { describe, it, expect } from "vitest";
import { mkdtempSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { planLab, overlaps, parseCidr, preferredSlot, checkEndpointAddress, SLOT_COUNT, MAX_HOSTS, LabPlanError } from "../../src/lab/plan";
import { reserveSlot, releaseSlots, slotOwner } from "../../src/lab/state";

const allAddresses = (p: ReturnType<typeof planLab>) => [
  p.controllerAddress, p.gateway, ...p.dhcpRange, ...p.hosts.flatMap((h) => [h.mgmtAddress, h.underlayAddress]),
];

describe("lab plan", () => {
  it("labs in different slots never share an address block, and every address is in its lab's blocks", () => {
    const plans = Array.from({ length: SLOT_COUNT }, (_, k) => planLab(`lab${k}`, k, MAX_HOSTS));
    for (const a of plans) {
      for (const b of plans) {
        if (a === b) continue;
        for (const k of ["mgmtCidr", "underlayCidr", "lanCidr"] as const) expect(overlaps(a[k], b[k]), `${a.name}/${b.name} ${k}`).toBe(false);
      }
      for (const h of a.hosts) {
        expect(overlaps(`${h.mgmtAddress}/32`, a.mgmtCidr)).toBe(true);
        expect(overlaps(`${h.underlayAddress}/32`, a.underlayCidr)).toBe(true);
      }
      expect(overlaps(`${a.controllerAddress}/32`, a.mgmtCidr)).toBe(true);
      expect(overlaps(`${a.dhcpRange[1]}/32`, a.lanCidr)).toBe(true);
      const addrs = allAddresses(a);
      expect(new Set(addrs).size).toBe(addrs.length);
      // Not the network or broadcast address of a /27.
      for (const x of addrs) expect([0, 31]).not.toContain(Number(x.split(".")[3]) % 32);
    }
  });

  it("uses only documentation ranges and keeps every interface name within 15 characters", () => {
    const p = planLab("abcdefgh", 7, MAX_HOSTS);
    for (const x of allAddresses(p)) expect(x).toMatch(/^(192\.0\.2|198\.51\.100|203\.0\.113)\./);
    const names = [p.rootBridge, ...p.hosts.map((h) => h.mgmtRootIface)];
    for (const n of names) expect(n.length, n).toBeLessThanOrEqual(15);
    for (const ns of [p.underlayNetns, p.lanNetns, ...p.hosts.map((h) => h.netns)]) expect(ns.startsWith(p.netnsPrefix)).toBe(true);
    expect(p.hosts[15]!.mgmtRootIface).toBe("lb-abcdefgh-16");
    expect(p.controllerTarget).toBe(`tcp:${p.controllerAddress}:6653`);
  });

  it("refuses bad names, host counts and endpoint addresses", () => {
    expect(() => planLab("Lab", 0, 1)).toThrow(LabPlanError);
    expect(() => planLab("toolongname", 0, 1)).toThrow(/bad lab name/);
    expect(() => planLab("ok", 0, MAX_HOSTS + 1)).toThrow(/bad host count/);
    expect(() => planLab("ok", SLOT_COUNT, 1)).toThrow(/bad slot/);
    expect(() => planLab("ok", 0, 1, "fast" as never)).toThrow(/bad underlay "fast"/);
    expect(planLab("ok", 0, 1, "kernel").hosts[0]!.underlayDevice).toBe("underlay");
    expect(planLab("ok", 0, 1).hosts[0]!.underlayDevice).toBe("br-phy");
    expect(() => checkEndpointAddress("10.1.2.3/24")).toThrow(/outside/);
    expect(() => checkEndpointAddress("203.0.113.5/16")).toThrow(/outside/);
    expect(() => checkEndpointAddress("203.0.113.5")).toThrow(/expected A.B.C.D\/LEN/);
    expect(() => checkEndpointAddress("203.0.113.5/27")).not.toThrow();
  });

  it("overlap arithmetic", () => {
    expect(parseCidr("198.51.100.37/27")).toEqual([(198 << 24 | 51 << 16 | 100 << 8 | 32) >>> 0, 27]);
    expect(overlaps("192.0.2.0/24", "192.0.2.128/27")).toBe(true);
    expect(overlaps("198.51.100.0/27", "198.51.100.32/27")).toBe(false);
    expect(overlaps("0.0.0.0/0", "203.0.113.1")).toBe(true);
  });

  it("slot reservation: a name's preferred slot, probing past taken ones and unusable ones", () => {
    const root = mkdtempSync(join(tmpdir(), "lb-slots-"));
    try {
      // A slot counts as held while its owner has a run directory (else it is a stale leftover).
      for (const n of ["alpha", ...Array.from({ length: SLOT_COUNT }, (_, i) => `z${i}`)]) mkdirSync(join(root, n));
      const first = reserveSlot("alpha", root);
      expect(first).toBe(preferredSlot("alpha"));
      expect(reserveSlot("alpha", root)).toBe(first);
      // Another lab preferring the same slot gets the next one; unusable slots are skipped.
      const clash = ["b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p"].find((n) => preferredSlot(n) === first)!;
      mkdirSync(join(root, clash));
      const skip = (first + 1) % SLOT_COUNT;
      expect(reserveSlot(clash, root, (k) => k !== skip)).toBe((first + 2) % SLOT_COUNT);
      expect(slotOwner(first, root)).toBe("alpha");
      // A slot whose owner's run directory is gone is reclaimed.
      mkdirSync(join(root, "gone"));
      const goneSlot = reserveSlot("gone", root, (k) => k !== first && k !== (first + 2) % SLOT_COUNT);
      rmSync(join(root, "gone"), { recursive: true });
      expect(reserveSlot("taker", root, (k) => k === goneSlot)).toBe(goneSlot);
      releaseSlots("taker", root);
      releaseSlots("alpha", root);
      expect(slotOwner(first, root)).toBeUndefined();
      expect(existsSync(join(root, ".slots", String(first)))).toBe(false);
      for (let i = 0; i < SLOT_COUNT - 1; i++) reserveSlot(`z${i}`, root);
      expect(() => reserveSlot("full", root)).toThrow(/no free lab address slot/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
