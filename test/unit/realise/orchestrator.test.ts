// startRealisation without any reachable host: realisers start, wait for OVSDB without programming
// anything, a host it cannot start for is skipped without throwing, and everything closes.
import { describe, expect, it } from "vitest";
import { Controller } from "../../../src/controller/controller";
import { setLogLevel } from "../../../src/log";
import { EMPTY_MODEL, type Host, type NetworkModel } from "../../../src/model";
import { hostDatapathId, startRealisation, type PassReport } from "../../../src/realise";

setLogLevel("silent");

function host(id: string, ovsdbTarget: string, backend: Host["backend"] = "ovs"): Host {
  return { id, name: id, managementAddress: "127.0.0.1", ovsdbTarget, backend, tunnelIp: null };
}

describe("startRealisation", () => {
  it("starts one realiser per OVS host, skips what it cannot start, and programs nothing without OVSDB", async () => {
    const controller = new Controller();
    const reports: PassReport[] = [];
    // Nothing listens on port 1 of the loopback: OVSDB never becomes ready.
    const model: NetworkModel = { ...EMPTY_MODEL, hosts: [host("h1", "tcp:127.0.0.1:1"), host("h2", "not-a-target"), host("k1", "tcp:127.0.0.1:1", "bridge")] };
    const r = startRealisation({ model, controller, controllerTarget: "tcp:127.0.0.1:6653", reconcileIntervalMs: 0, dhcp: false, onReport: (x) => reports.push(x) });
    try {
      expect(r.realiser("h1")?.dpidHex).toBe(hostDatapathId("h1"));
      expect(r.realiser("h2")).toBeUndefined();
      expect(r.realiser("k1")).toBeUndefined();
      await r.settled(5000);
      expect(reports.length).toBeGreaterThan(0);
      for (const rep of reports) {
        expect(rep.programmed).toBe(false);
        expect(rep.problems).toContain("OVSDB not connected yet");
      }
      expect(r.status()).toEqual([expect.objectContaining({ hostId: "h1", connected: false, ovsdbReady: false, inSync: false })]);
      // The host leaves the model: its realiser stops.
      r.update({ ...model, hosts: [] });
      expect(r.realiser("h1")).toBeUndefined();
      expect(r.status()).toEqual([]);
    } finally {
      await r.close();
      await controller.close();
    }
  });

  it("hands every model to the bridge backend", async () => {
    const controller = new Controller();
    const applied: NetworkModel[] = [];
    const bridge = { backend: "bridge" as const, apply: (m: NetworkModel) => void applied.push(m), reconcile: async () => [], status: () => null, close: async () => undefined };
    const model: NetworkModel = { ...EMPTY_MODEL, hosts: [host("k1", "tcp:127.0.0.1:1", "bridge")] };
    const r = startRealisation({ model, controller, controllerTarget: "tcp:127.0.0.1:6653", bridge, dhcp: false });
    r.update(model);
    expect(applied).toEqual([model, model]);
    await r.close();
    await controller.close();
  });
});
