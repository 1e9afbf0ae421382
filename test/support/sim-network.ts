// A network of simulated switches: one per host, joined by tunnels (a full mesh of point-to-point
// links that carry the tunnel key) and by a site LAN behind every uplink (a learning switch keyed
// by VLAN and MAC, like the physical network of a real site). VMs are ports of their host's
// switch. It answers "which VMs receive this frame", "what went to the controller", and runs the
// pipeline's compile/diff against the switches exactly as the controller would.

import type { OfpMessage, PacketOut } from "../../openflow/index";
import type { NetworkModel, Port } from "../../src/model/types";
import { compile, diff, type DesiredState, type SwitchWiring } from "../../src/pipeline/index";
import { parseFrame } from "../../src/packet/frame";
import { SimError, SimSwitch, type PacketInRecord } from "./sim-switch";

export interface Delivery {
  portId: string;
  frame: Uint8Array;
}

export interface HostPacketIn extends PacketInRecord {
  hostId: string;
}

export interface SendResult {
  delivered: Delivery[];
  packetIns: HostPacketIn[];
  /** Frames that reached the site LAN, with their VLAN (null = untagged). */
  site: Array<{ vlan: number | null; frame: Uint8Array }>;
  trace: string[];
}

const MAX_HOPS = 500;

/**
 * Assigns OpenFlow port numbers the way OVSDB would report them: VM ports from 1 up (in an
 * order that differs per host), the uplink, and one tunnel port per other host.
 */
export function wiringFor(model: NetworkModel, hostId: string, opts: { uplink?: boolean; skipPorts?: readonly string[] } = {}): SwitchWiring {
  const vmPorts: Record<string, number> = {};
  const salt = [...hostId].reduce((a, c) => a + c.charCodeAt(0), 0);
  const mine = model.ports.filter((p) => p.hostId === hostId && !opts.skipPorts?.includes(p.id));
  mine.forEach((p, i) => {
    vmPorts[p.id] = 1 + ((i + salt) % mine.length); // a per-host rotation of 1..n
  });
  const tunnels: Record<string, number> = {};
  model.hosts
    .filter((h) => h.id !== hostId && h.tunnelIp)
    .forEach((h, i) => {
      tunnels[h.id] = 1000 + i;
    });
  const host = model.hosts.find((h) => h.id === hostId);
  return { vmPorts, tunnels, uplink: opts.uplink === false || !host?.uplink ? null : 999 };
}

export class SimNetwork {
  readonly switches = new Map<string, SimSwitch>();
  readonly wiring = new Map<string, SwitchWiring>();
  /** The desired state last loaded into each switch. */
  readonly desired = new Map<string, DesiredState>();
  /** MAC learning of the site LAN: "vlan|mac" → host id. */
  private readonly siteFdb = new Map<string, string>();

  constructor(public model: NetworkModel, wiring?: (hostId: string) => SwitchWiring) {
    for (const h of model.hosts) {
      this.switches.set(h.id, new SimSwitch(h.name));
      this.wiring.set(h.id, wiring ? wiring(h.id) : wiringFor(model, h.id));
    }
  }

  /** Compile every host and bring its switch to that state with diff (as on connect). */
  reconcileAll(): Map<string, OfpMessage[]> {
    const sent = new Map<string, OfpMessage[]>();
    for (const [hostId, sw] of this.switches) {
      const desired = compile(this.model, hostId, this.wiring.get(hostId)!);
      const msgs = diff(desired, sw.actual());
      sw.sendAll(msgs);
      this.desired.set(hostId, desired);
      sent.set(hostId, msgs);
    }
    return sent;
  }

  switchOf(hostId: string): SimSwitch {
    const sw = this.switches.get(hostId);
    if (!sw) throw new SimError(`no host ${hostId}`);
    return sw;
  }

  private portOf(portId: string): { port: Port; ofport: number } {
    const port = this.model.ports.find((p) => p.id === portId);
    if (!port) throw new SimError(`no port ${portId}`);
    const ofport = this.wiring.get(port.hostId)?.vmPorts[portId];
    if (ofport === undefined) throw new SimError(`port ${portId} is not bound on ${port.hostId}`);
    return { port, ofport };
  }

  /** A VM sends a frame; follow it through switches, tunnels and the site LAN. */
  send(portId: string, frame: Uint8Array): SendResult {
    const { port, ofport } = this.portOf(portId);
    return this.follow([{ hostId: port.hostId, inPort: ofport, frame, tunnelId: 0n }]);
  }

  /** A machine on the site LAN (not a VM) sends a frame, tagged with `vlan` or untagged. */
  sendFromSite(frame: Uint8Array, vlan: number | null): SendResult {
    const result: SendResult = { delivered: [], packetIns: [], site: [], trace: [] };
    const queue = this.siteForward(frame, vlan, null, result);
    return this.follow(queue, result);
  }

  /** The controller answers: a PACKET_OUT on one host's switch. */
  packetOut(hostId: string, msg: PacketOut): SendResult {
    const r = this.switchOf(hostId).packetOut(msg);
    const result: SendResult = { delivered: [], packetIns: [], site: [], trace: [...r.trace] };
    const queue: Hop[] = [];
    for (const out of r.outputs) queue.push(...this.afterOutput(hostId, out.port, out.frame, out.tunnelId, result));
    return this.follow(queue, result);
  }

  private follow(start: Hop[], result: SendResult = { delivered: [], packetIns: [], site: [], trace: [] }): SendResult {
    const queue = [...start];
    let hops = 0;
    while (queue.length) {
      if (++hops > MAX_HOPS) throw new SimError(`frame still moving after ${MAX_HOPS} hops: a forwarding loop\n${result.trace.join("\n")}`);
      const hop = queue.shift()!;
      const r = this.switchOf(hop.hostId).process(hop.inPort, hop.frame, { tunnelId: hop.tunnelId });
      result.trace.push(`[${hop.hostId} in_port=${hop.inPort}]`, ...r.trace);
      for (const pin of r.packetIns) result.packetIns.push({ ...pin, hostId: hop.hostId });
      for (const out of r.outputs) queue.push(...this.afterOutput(hop.hostId, out.port, out.frame, out.tunnelId, result));
    }
    return result;
  }

  private afterOutput(hostId: string, port: number, frame: Uint8Array, tunnelId: bigint, result: SendResult): Hop[] {
    const wiring = this.wiring.get(hostId)!;
    const vm = Object.entries(wiring.vmPorts).find(([, n]) => n === port);
    if (vm) {
      result.delivered.push({ portId: vm[0], frame });
      return [];
    }
    const tunnel = Object.entries(wiring.tunnels).find(([, n]) => n === port);
    if (tunnel) {
      const peer = tunnel[0];
      const peerWiring = this.wiring.get(peer);
      const back = peerWiring?.tunnels[hostId];
      if (back === undefined) {
        result.trace.push(`tunnel ${hostId}→${peer}: peer has no tunnel back, lost`);
        return [];
      }
      return [{ hostId: peer, inPort: back, frame, tunnelId }];
    }
    if (port === wiring.uplink) {
      const eth = parseFrame(frame);
      return this.siteForward(frame, eth.vlan ? eth.vlan.vid : null, hostId, result);
    }
    throw new SimError(`${hostId}: output to port ${port}, which nothing is plugged into`);
  }

  /** The site LAN: learn the source, forward to the learned host or flood to every other uplink. */
  private siteForward(frame: Uint8Array, vlan: number | null, fromHost: string | null, result: SendResult): Hop[] {
    result.site.push({ vlan, frame });
    const eth = parseFrame(frame);
    const v = vlan ?? 0;
    if (fromHost) this.siteFdb.set(`${v}|${eth.src}`, fromHost);
    const known = this.siteFdb.get(`${v}|${eth.dst}`);
    const targets = known ? [known] : [...this.wiring.keys()];
    return targets
      .filter((h) => h !== fromHost && this.wiring.get(h)!.uplink !== null)
      .map((h) => ({ hostId: h, inPort: this.wiring.get(h)!.uplink!, frame, tunnelId: 0n }));
  }
}

interface Hop {
  hostId: string;
  inPort: number;
  frame: Uint8Array;
  tunnelId: bigint;
}

