// The OpenFlow side of a pass, against the strict simulated switch (messages go through the codec):
// a cold switch gets everything, a programmed one nothing, a new port only its flows.
import { describe, expect, it } from "vitest";
import { OFPFC } from "../../../openflow/index";
import { applyChanges, EMPTY_MODEL, type NetworkModel } from "../../../src/model";
import { compile, decodeCookie, idHash } from "../../../src/pipeline";
import { asActual } from "../../../src/pipeline/diff";
import { flowModCount, program } from "../../../src/realise/program";
import { SimSwitch } from "../../support/sim-switch";
import type { SwitchWiring } from "../../../src/pipeline";

/** OVS keeps a port's ofport when others come and go: a fixed number per port, like OVSDB. */
function wiringFor(m: NetworkModel, hostId: string): SwitchWiring {
  const numbers: Record<string, number> = { p1: 1, p2: 2, p3: 3 };
  const vmPorts = Object.fromEntries(m.ports.filter((p) => p.hostId === hostId).map((p) => [p.id, numbers[p.id]!]));
  return { vmPorts, tunnels: hostId === "h1" ? { h2: 10 } : { h1: 10 }, uplink: null };
}

function model(withNewPort = false): NetworkModel {
  const r = applyChanges(EMPTY_MODEL, [
    { op: "add_tenant", tenant: { id: "t", name: "t" } },
    { op: "add_host", host: { id: "h1", name: "h1", managementAddress: "198.51.100.2", ovsdbTarget: "tcp:198.51.100.2:6640", backend: "ovs", tunnelIp: "192.0.2.1" } },
    { op: "add_host", host: { id: "h2", name: "h2", managementAddress: "198.51.100.3", ovsdbTarget: "tcp:198.51.100.3:6640", backend: "ovs", tunnelIp: "192.0.2.2" } },
    { op: "add_network", network: { id: "n", tenantId: "t", name: "n", kind: "overlay", segmentationId: 9, subnet: "203.0.113.0/24", gateway: "203.0.113.1", dhcpRange: null, dns: [] } },
    { op: "add_port", port: { id: "p1", networkId: "n", hostId: "h1", mac: "02:00:00:00:00:01" } },
    { op: "add_port", port: { id: "p2", networkId: "n", hostId: "h2", mac: "02:00:00:00:00:02" } },
    ...(withNewPort ? [{ op: "add_port" as const, port: { id: "p3", networkId: "n", hostId: "h1", mac: "02:00:00:00:00:03" } }] : []),
  ]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

describe("program", () => {
  it("programs a cold switch fully, then finds nothing to do on a re-read", () => {
    const m = model();
    const desired = compile(m, "h1", wiringFor(m, "h1"));
    const sw = new SimSwitch("h1");
    const first = program(desired, sw.actual());
    expect(first.summary.flowAdds).toBe(desired.flows.length);
    expect(first.summary.groupMods).toBe(desired.groups.length);
    sw.sendAll(first.messages);
    const again = program(desired, sw.actual());
    expect(again.messages).toEqual([]);
    expect(flowModCount(again.summary)).toBe(0);
  });

  it("removes foreign flows and restores deleted ones", () => {
    const m = model();
    const desired = compile(m, "h1", wiringFor(m, "h1"));
    const sw = new SimSwitch("h1");
    sw.sendAll(program(desired, sw.actual()).messages);
    const actual = sw.actual();
    const tampered = { ...actual, flows: [...actual.flows.slice(1), { ...actual.flows[0]!, tableId: 40, priority: 7, match: {}, cookie: 0x1234n }] };
    const fix = program(desired, tampered);
    expect(fix.summary).toEqual({ flowAdds: 1, flowModifies: 0, flowDeletes: 1, groupMods: 0 });
    expect(fix.messages.find((x) => x.type === "flow_mod" && x.command === OFPFC.DELETE_STRICT)).toMatchObject({ cookie: 0x1234n });
  });

  it("a new port changes only its own flows and its network's local flood group", () => {
    const before = model();
    const after = model(true);
    const oldDesired = compile(before, "h1", wiringFor(before, "h1"));
    const newDesired = compile(after, "h1", wiringFor(after, "h1"));
    const step = program(newDesired, asActual(oldDesired));
    expect(step.summary.flowDeletes).toBe(0);
    for (const msg of step.messages) {
      if (msg.type === "flow_mod") expect(decodeCookie(msg.cookie)?.idHash).toBe(idHash("p3"));
    }
    expect(step.summary.groupMods).toBe(1);
    // And the remote host learns only the new port too.
    const remote = program(compile(after, "h2", wiringFor(after, "h2")), asActual(compile(before, "h2", wiringFor(before, "h2"))));
    expect(remote.summary.flowAdds).toBeGreaterThan(0);
    for (const msg of remote.messages) expect(msg.type === "flow_mod" && decodeCookie(msg.cookie)?.idHash === idHash("p3")).toBe(true);
  });
});
