// The "why" view: how a packet from one VM to another crosses the pipeline, computed from the
// compiled flows of each host (the same interpreter the simulated switch of the tests uses). It
// follows the frame across hosts through tunnels and the uplink and says what happened: delivered,
// answered by the switch (ARP), sent to the controller, or dropped in which table and why.

import type { NetworkModel, Port } from "../model/types";
import { ARP_OP, IP_PROTO, arpFrame, encodeFrame, icmpEchoFrame, parseFrame, udpFrame, type EthernetFrame } from "../packet/frame";
import { BROADCAST_MAC } from "../packet/addr";
import type { SwitchWiring } from "./compile";
import { decodeCookie, ownerOf } from "./cookie";
import type { DesiredState } from "./flow";
import { InterpreterError, formatInstructions, formatMatch, runPipeline, type InterpFlow, type InterpTables } from "./interpreter";
import { tableId as tableIdOf, tableNameOf } from "./tables";

export type TraceProtocol = "icmp" | "tcp" | "udp" | "arp";

export interface PathStep {
  host: string;
  table: string;
  tableId: number;
  priority: number;
  match: string;
  actions: string;
  /** Why this flow exists, from its cookie: e.g. "port web1 (spoof_drop)". */
  owner?: string;
}

export interface PathTrace {
  steps: PathStep[];
  verdict: string;
  delivered: boolean;
}

/** What the runtime knows of one host's switch: the desired state it loaded and its wiring. */
export interface SwitchView {
  desired: DesiredState;
  wiring: SwitchWiring;
}

const MAX_HOPS = 64;

function tablesOf(desired: DesiredState): InterpTables {
  const byTable = new Map<number, InterpFlow[]>();
  for (const f of desired.flows) {
    const id = tableIdOf(f.table);
    const list = byTable.get(id) ?? [];
    list.push({ tableId: id, priority: f.priority, cookie: f.cookie, match: f.match, instructions: f.instructions });
    byTable.set(id, list);
  }
  const groups = new Map(desired.groups.map((g) => [g.groupId, g]));
  return { flowsOf: (id) => byTable.get(id) ?? [], group: (id) => groups.get(id) };
}

/** A frame from `a` to `b` of the given protocol, with the addresses the model gives them. */
export function probeFrame(a: Port, b: Port, protocol: TraceProtocol, dstPort = 80): EthernetFrame {
  const srcIp = a.ip ?? "0.0.0.0";
  const dstIp = b.ip ?? "0.0.0.0";
  switch (protocol) {
    case "arp":
      return arpFrame({ op: ARP_OP.REQUEST, srcMac: a.mac, dstMac: BROADCAST_MAC, sha: a.mac, spa: srcIp, tha: "00:00:00:00:00:00", tpa: dstIp });
    case "udp":
      return udpFrame({ srcMac: a.mac, dstMac: b.mac, srcIp, dstIp, srcPort: 40000, dstPort, payload: new Uint8Array(8) });
    case "tcp": {
      const tcp = new Uint8Array(20);
      const v = new DataView(tcp.buffer);
      v.setUint16(0, 40000);
      v.setUint16(2, dstPort);
      tcp[12] = 5 << 4; // data offset
      tcp[13] = 0x02; // SYN
      return {
        dst: b.mac,
        src: a.mac,
        ethType: 0x0800,
        payload: { kind: "ipv4", src: srcIp, dst: dstIp, protocol: IP_PROTO.TCP, ttl: 64, tos: 0, id: 0, body: { kind: "raw", bytes: tcp } },
      };
    }
    default:
      return icmpEchoFrame({ srcMac: a.mac, dstMac: b.mac, srcIp, dstIp });
  }
}

function ownerText(model: NetworkModel, cookie: bigint): string | undefined {
  const info = decodeCookie(cookie);
  if (!info) return undefined;
  if (info.kind === "port") return `port ${ownerOf(info, model.ports)?.id ?? "?"} (${info.role})`;
  if (info.kind === "network") return `network ${ownerOf(info, model.networks)?.name ?? "?"} (${info.role})`;
  if (info.kind === "host_wiring") return `host wiring (${info.role})`;
  return `table miss (${info.role})`;
}

export function traceBetween(
  model: NetworkModel,
  switches: ReadonlyMap<string, SwitchView>,
  fromPortId: string,
  toPortId: string,
  protocol: TraceProtocol,
  dstPort?: number,
): PathTrace {
  const a = model.ports.find((p) => p.id === fromPortId);
  const b = model.ports.find((p) => p.id === toPortId);
  if (!a || !b) return { steps: [], verdict: `unknown port ${!a ? fromPortId : toPortId}`, delivered: false };
  const start = switches.get(a.hostId);
  const inPort = start?.wiring.vmPorts[a.id];
  if (!start || inPort === undefined) return { steps: [], verdict: `port ${a.id} is not bound on its host's switch yet`, delivered: false };

  const steps: PathStep[] = [];
  const hostName = (id: string) => model.hosts.find((h) => h.id === id)?.name ?? id;
  const queue = [{ hostId: a.hostId, inPort, frame: encodeFrame(probeFrame(a, b, protocol, dstPort)), tunnelId: 0n }];
  const outcomes: string[] = [];
  let delivered = false;
  for (let hops = 0; queue.length && hops < MAX_HOPS; hops++) {
    const hop = queue.shift()!;
    const view = switches.get(hop.hostId);
    if (!view) {
      outcomes.push(`host ${hostName(hop.hostId)} has no switch state`);
      continue;
    }
    let run;
    try {
      run = runPipeline(tablesOf(view.desired), { inPort: hop.inPort, frame: hop.frame, tunnelId: hop.tunnelId });
    } catch (e) {
      if (e instanceof InterpreterError) {
        outcomes.push(`cannot follow on ${hostName(hop.hostId)}: ${e.message}`);
        continue;
      }
      throw e;
    }
    for (const s of run.steps) {
      const table = tableNameOf(s.tableId) ?? String(s.tableId);
      if (!s.flow) {
        steps.push({ host: hostName(hop.hostId), table, tableId: s.tableId, priority: -1, match: "(no flow matched)", actions: "drop" });
        continue;
      }
      const owner = ownerText(model, s.flow.cookie);
      steps.push({
        host: hostName(hop.hostId),
        table,
        tableId: s.tableId,
        priority: s.flow.priority,
        match: formatMatch(s.flow.match),
        actions: formatInstructions(s.flow.instructions),
        ...(owner ? { owner } : {}),
      });
    }
    if (run.packetIns.length) outcomes.push(`sent to the controller from ${hostName(hop.hostId)} (${ownerText(model, run.packetIns[0]!.cookie) ?? "no owner"})`);
    if (!run.outputs.length && !run.packetIns.length) {
      const last = run.steps.at(-1);
      const table = last ? (tableNameOf(last.tableId) ?? String(last.tableId)) : "?";
      const why = last?.flow ? ownerText(model, last.flow.cookie) : "no flow matched";
      outcomes.push(`dropped in ${table} on ${hostName(hop.hostId)} (${why ?? "unknown owner"})`);
    }
    for (const out of run.outputs) {
      const w = view.wiring;
      const vm = Object.entries(w.vmPorts).find(([, n]) => n === out.port)?.[0];
      if (vm !== undefined) {
        if (vm === b.id) {
          delivered = true;
          outcomes.push(`delivered to ${b.id} on ${hostName(hop.hostId)} port ${out.port}`);
        } else if (vm === a.id && protocol === "arp") {
          const reply = parseFrame(out.frame).payload;
          const answered = reply.kind === "arp" && reply.op === ARP_OP.REPLY && reply.sha === b.mac;
          if (answered) delivered = true;
          outcomes.push(answered ? `answered by the switch on ${hostName(hop.hostId)} (ARP responder): ${b.ip} is at ${b.mac}` : `an ARP reply went back to ${a.id}`);
        } else {
          outcomes.push(`also reached ${vm} on ${hostName(hop.hostId)}`);
        }
        continue;
      }
      const peer = Object.entries(w.tunnels).find(([, n]) => n === out.port)?.[0];
      if (peer !== undefined) {
        const back = switches.get(peer)?.wiring.tunnels[hop.hostId];
        if (back === undefined) outcomes.push(`tunnel from ${hostName(hop.hostId)} to ${hostName(peer)} has no far end`);
        else queue.push({ hostId: peer, inPort: back, frame: out.frame, tunnelId: out.tunnelId });
        continue;
      }
      if (out.port === w.uplink) {
        // The site network carries it; follow it to the destination's host if that has an uplink.
        const there = switches.get(b.hostId);
        if (b.hostId !== hop.hostId && there?.wiring.uplink != null) queue.push({ hostId: b.hostId, inPort: there.wiring.uplink, frame: out.frame, tunnelId: 0n });
        else outcomes.push(`left ${hostName(hop.hostId)} by the uplink to the site network`);
        continue;
      }
      outcomes.push(`output to port ${out.port} on ${hostName(hop.hostId)}, which nothing is bound to`);
    }
  }
  return { steps, verdict: outcomes.join("; ") || "nothing happened", delivered };
}
