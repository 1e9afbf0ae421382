// The realiser when things go wrong, with a real ovsdb-server and a switch played by the test
// (through the real codec and the real controller): a refused FLOW_MOD, garbage PACKET_INs, and
// OVSDB going away. None of it crashes anything; a failed pass is followed by a full re-read; and
// without OVSDB the realiser never wipes the VMs' flows.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OFPET, OFPFC, OFPR, OFP_NO_BUFFER, encode, type OfpMessage } from "../../openflow/index";
import { BOOTREQUEST, DHCP_TYPE, OPT, encodeDhcp, opt } from "../../src/apps/dhcp";
import { Controller } from "../../src/controller/controller";
import { setLogLevel } from "../../src/log";
import { applyChanges, EMPTY_MODEL, type NetworkModel } from "../../src/model";
import { byUuid } from "../../src/ovsdb/ops";
import { connectVswitch, ensurePort, findBridge, findInterface } from "../../src/ovsdb/vswitch";
import type { OvsdbClient } from "../../src/ovsdb/client";
import { BROADCAST_MAC, encodeFrame, udpFrame } from "../../src/packet";
import { makeCookie } from "../../src/pipeline";
import { hostDatapathId, startRealisation, type PassReport, type Realisation } from "../../src/realise";
import { startPrivateOvs, type PrivateOvs } from "../support/ovs";
import { ScriptedSwitch } from "../unit/controller/scripted-switch";

setLogLevel("silent");

const MAC = "02:00:00:00:00:01";
let ovs: PrivateOvs;
let client: OvsdbClient;
let controller: Controller;
let realisation: Realisation;
let port = 0;
let model: NetworkModel;
let sw: ScriptedSwitch | null = null;
const reports: PassReport[] = [];

function must<T>(r: { ok: true; value: T } | { ok: false; errors: unknown }): T {
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Answers the full read of a pass with an empty switch. */
async function answerRead(s: ScriptedSwitch): Promise<void> {
  const flows = await s.next("multipart_request", (m) => m.kind === "flow");
  s.send({ type: "multipart_reply", xid: flows.xid, flags: 0, kind: "flow", flows: [] });
  const groups = await s.next("multipart_request", (m) => m.kind === "group_desc");
  s.send({ type: "multipart_reply", xid: groups.xid, flags: 0, kind: "group_desc", groups: [] });
}

/** Messages of `type` the switch received since `since` (an index into `received`). */
function receivedSince<T extends OfpMessage["type"]>(s: ScriptedSwitch, type: T, since: number): Extract<OfpMessage, { type: T }>[] {
  return s.received.slice(since).filter((m): m is Extract<OfpMessage, { type: T }> => m.type === type);
}

function discover(): Uint8Array {
  const payload = encodeDhcp({
    op: BOOTREQUEST, htype: 1, hlen: 6, hops: 0, xid: 9, secs: 0, flags: 0,
    ciaddr: "0.0.0.0", yiaddr: "0.0.0.0", siaddr: "0.0.0.0", giaddr: "0.0.0.0", chaddr: MAC,
    options: new Map([[OPT.MESSAGE_TYPE, opt.u8(DHCP_TYPE.DISCOVER)]]),
  });
  return encodeFrame(udpFrame({ srcMac: MAC, dstMac: BROADCAST_MAC, srcIp: "0.0.0.0", dstIp: "255.255.255.255", srcPort: 68, dstPort: 67, payload }));
}

beforeAll(async () => {
  ovs = await startPrivateOvs({ systemId: "rz-faults" });
  controller = new Controller({ echoIntervalMs: 2000, deadAfterMs: 6000 });
  port = (await controller.listenTcp(0, "127.0.0.1")).port;
  model = must(
    applyChanges(EMPTY_MODEL, [
      { op: "add_tenant", tenant: { id: "t", name: "t" } },
      { op: "add_host", host: { id: "h1", name: "h1", managementAddress: "127.0.0.1", ovsdbTarget: ovs.unixTarget, backend: "ovs", tunnelIp: null } },
      { op: "add_network", network: { id: "n", tenantId: "t", name: "n", kind: "overlay", segmentationId: 7, subnet: "192.0.2.0/24", gateway: "192.0.2.1", dhcpRange: null, dns: [] } },
      { op: "add_port", port: { id: "p1", networkId: "n", hostId: "h1", mac: MAC, ip: "192.0.2.10" } },
    ]),
  );
  realisation = startRealisation({ model, controller, controllerTarget: `tcp:127.0.0.1:${port}`, reconcileIntervalMs: 0, onReport: (r) => reports.push(r) });
  client = await connectVswitch(ovs.unixTarget);
  await client.waitFor((r) => findBridge(r, "br-int"), 5000);
  // A VM NIC, and the ofport ovs-vswitchd would give it (no ovs-vswitchd runs here).
  await ensurePort(client, "br-int", { name: "tap1", interfaceExternalIds: { "iface-id": "p1" } });
  await client.run((txn, replica) => {
    txn.update("Interface", byUuid(findInterface(replica, "tap1")!._uuid), { ofport: [5] });
  });
  await until("p1 bound", () => realisation.realiser("h1")?.status().wiring?.vmPorts.p1 === 5);
}, 30_000);

afterAll(async () => {
  sw?.close();
  await realisation?.close();
  await controller?.close();
  client?.close();
  await ovs?.stop();
});

describe("realiser faults", () => {
  it("wired br-int as specified: secure, OpenFlow 1.3, stable datapath id, the controller target", () => {
    const br = findBridge(client.replica, "br-int")!;
    expect(br.fail_mode).toEqual(["secure"]);
    expect((br.other_config as Map<string, string>).get("datapath-id")).toBe(hostDatapathId("h1"));
    expect((br.other_config as Map<string, string>).get("disable-in-band")).toBe("true");
    expect(br.protocols).toEqual(["OpenFlow13"]);
    const controllers = client.replica.rows("Controller");
    expect(controllers.map((c) => [c.target, c.max_backoff])).toEqual([[`tcp:127.0.0.1:${port}`, [1000]]]);
  });

  it("a FLOW_MOD the switch refuses fails the pass, and the next pass re-reads the switch", async () => {
    sw = await ScriptedSwitch.connect(port, { dpid: BigInt(`0x${hostDatapathId("h1")}`) });
    sw.answerBarriers = false;
    await answerRead(sw);
    const fm = await sw.next("flow_mod");
    sw.send({ type: "error", xid: fm.xid, errorType: OFPET.FLOW_MOD_FAILED, code: 0, data: encode(fm).subarray(0, 64) });
    const barrier = await sw.next("barrier_request");
    sw.send({ type: "barrier_reply", xid: barrier.xid });
    await until("the failed pass is reported", () => reports.some((r) => r.error !== undefined));
    expect(reports.find((r) => r.error)!.error).toMatch(/refused 1 message/);
    expect(realisation.realiser("h1")!.status().inSync).toBe(false);
    // Any later pass, even one asked as incremental, reads the switch again first.
    sw.answerBarriers = true;
    reports.length = 0;
    realisation.update({ ...model });
    await answerRead(sw);
    await until("a clean pass", () => reports.some((r) => r.programmed && !r.error));
    expect(reports.find((r) => r.programmed)).toMatchObject({ kind: "full" });
    expect(realisation.realiser("h1")!.status().inSync).toBe(true);
  });

  it("garbage and foreign PACKET_INs get no answer and change nothing; a real DISCOVER is answered", async () => {
    const s = sw!;
    const mark = s.received.length;
    const dhcpCookie = makeCookie("network", "dhcp_to_controller", "n");
    const packetIn = (cookie: bigint, inPort: number | undefined, data: Uint8Array): OfpMessage => ({
      type: "packet_in", xid: 0, bufferId: OFP_NO_BUFFER, totalLen: data.length, reason: OFPR.ACTION, tableId: 30, cookie,
      match: inPort === undefined ? {} : { in_port: inPort }, data,
    });
    s.send(packetIn(dhcpCookie, 5, new Uint8Array([1, 2, 3, 4, 5, 6, 7])));
    s.send(packetIn(dhcpCookie, 5, encodeFrame(udpFrame({ srcMac: MAC, dstMac: BROADCAST_MAC, srcIp: "0.0.0.0", dstIp: "255.255.255.255", srcPort: 68, dstPort: 67, payload: new Uint8Array(20) }))));
    s.send(packetIn(dhcpCookie, 99, discover()));
    s.send(packetIn(dhcpCookie, undefined, discover()));
    s.send(packetIn(makeCookie("port", "forward", "p1"), 5, discover()));
    await new Promise((r) => setTimeout(r, 300));
    expect(receivedSince(s, "packet_out", mark)).toEqual([]);
    expect(realisation.dhcp!.leases.size).toBe(0);
    s.send(packetIn(dhcpCookie, 5, discover()));
    const out = await s.next("packet_out");
    expect(out.actions).toEqual([{ type: "output", port: 5 }]);
    expect(realisation.dhcp!.leases.get("p1")?.state).toBe("offered");
    expect(realisation.realiser("h1")!.status().connected).toBe(true);
  });

  it("with OVSDB gone, a model change still programs from the last replica and deletes nothing", async () => {
    const s = sw!;
    const mark = s.received.length;
    await ovs.killDb();
    await until("the realiser sees OVSDB down", () => !realisation.realiser("h1")!.status().ovsdbReady);
    reports.length = 0;
    // A second port (not plugged in yet): its address joins the ARP responder.
    model = must(applyChanges(model, [{ op: "add_port", port: { id: "p2", networkId: "n", hostId: "h1", mac: "02:00:00:00:00:02", ip: "192.0.2.11" } }]));
    realisation.update(model);
    await until("a programmed pass", () => reports.some((r) => r.programmed));
    const r = reports.find((x) => x.programmed)!;
    expect(r).toMatchObject({ kind: "incremental", summary: { flowDeletes: 0 } });
    expect(r.summary.flowAdds).toBeGreaterThan(0);
    const mods = receivedSince(s, "flow_mod", mark);
    expect(mods.length).toBeGreaterThan(0);
    expect(mods.every((m) => m.command === OFPFC.ADD)).toBe(true);
    // OVSDB back: the realiser resynchronises and stays in step.
    await ovs.restartDb();
    await until("OVSDB back", () => realisation.realiser("h1")!.status().ovsdbReady, 15_000);
    await realisation.settled();
    expect(realisation.realiser("h1")!.status().wiring?.vmPorts).toEqual({ p1: 5 });
  });
});
