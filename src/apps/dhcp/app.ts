// The glue between a DHCP PACKET_IN and the pure server, still pure: which model port sent the
// frame (its in_port, through the switch's wiring), what the server answers, and the PACKET_OUT
// that sends the answer back out of that port. The controller runtime only delivers the PACKET_IN
// and sends what this returns.

import { OFPP, OFP_NO_BUFFER, type PacketIn, type PacketOut } from "../../../openflow/index";
import type { NetworkModel } from "../../model/types";
import type { SwitchWiring } from "../../pipeline/compile";
import { isDhcpCookie } from "../../pipeline/cookie";
import { handle, type LeaseDb } from "./server";

export interface DhcpAnswer {
  packetOut: PacketOut | null;
  leases: LeaseDb;
  outcome: string;
}

export function answerPacketIn(
  leases: LeaseDb,
  packetIn: Pick<PacketIn, "cookie" | "match" | "data">,
  ctx: { model: NetworkModel; hostId: string; wiring: SwitchWiring },
  now: number,
): DhcpAnswer {
  const skip = (outcome: string): DhcpAnswer => ({ packetOut: null, leases, outcome });
  if (!isDhcpCookie(packetIn.cookie)) return skip("not from the DHCP flow");
  const inPort = packetIn.match.in_port;
  if (inPort === undefined) return skip("PACKET_IN without in_port");
  const portId = Object.keys(ctx.wiring.vmPorts).find((id) => ctx.wiring.vmPorts[id] === inPort);
  const port = portId === undefined ? undefined : ctx.model.ports.find((p) => p.id === portId && p.hostId === ctx.hostId);
  if (!port) return skip(`in_port ${inPort} is not a bound VM port of host ${ctx.hostId}`);
  const network = ctx.model.networks.find((n) => n.id === port.networkId);
  if (!network) return skip(`port ${port.id} has no network`);
  const result = handle(leases, packetIn.data, { port, network }, now);
  if (!result.reply) return { packetOut: null, leases: result.leases, outcome: result.outcome };
  return {
    packetOut: {
      type: "packet_out",
      xid: 0,
      bufferId: OFP_NO_BUFFER,
      inPort: OFPP.CONTROLLER,
      actions: [{ type: "output", port: inPort }],
      data: result.reply,
    },
    leases: result.leases,
    outcome: result.outcome,
  };
}
