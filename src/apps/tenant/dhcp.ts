// The controller side of DHCP for overlay networks: DHCP client frames reach the controller as
// PACKET_INs from the pipeline's interception flow (recognised by its cookie); the pure server in
// src/apps/dhcp answers with the address the model gives the port; the answer goes back as a
// PACKET_OUT straight to the switch port the request came in on.
//
// `dhcpDecision` is the whole decision, pure: (leases, packet-in, where it came from, now) →
// (messages, leases, outcome). The app around it only looks up the port and sends.

import { OFPP, OFP_NO_BUFFER, type PacketIn, type PacketOut } from "../../../openflow/index";
import type { App, ControllerApi, Outgoing, Switch } from "../../controller/api";
import { createLogger, type Logger } from "../../log";
import { expireLeases, handle, type Lease, type LeaseDb } from "../dhcp/server";
import type { Network, Port } from "../../model/types";
import { isDhcpCookie } from "../../pipeline/cookie";

/** Where a PACKET_IN came from, as the realiser of its switch knows it. */
export type PortLookup = (dpid: bigint, ofport: number) => { port: Port; network: Network } | undefined;

export interface DhcpDecision {
  messages: Outgoing[];
  leases: LeaseDb;
  /** One line for the log; null when the PACKET_IN was not DHCP's. */
  outcome: string | null;
}

export function dhcpDecision(leases: LeaseDb, msg: PacketIn, dpid: bigint, lookup: PortLookup, now: number): DhcpDecision {
  if (!isDhcpCookie(msg.cookie)) return { messages: [], leases, outcome: null };
  const inPort = msg.match.in_port;
  if (typeof inPort !== "number") return { messages: [], leases, outcome: "ignored: PACKET_IN without in_port" };
  if (msg.data.length < msg.totalLen) {
    // The whole frame is needed to answer; the controller asks for full frames (miss_send_len and
    // the flow's max_len), so a cut one means a misconfigured switch.
    return { messages: [], leases, outcome: `ignored: frame cut to ${msg.data.length} of ${msg.totalLen} bytes` };
  }
  const where = lookup(dpid, inPort);
  if (!where) return { messages: [], leases, outcome: `ignored: no bound port at ofport ${inPort}` };
  const result = handle(leases, msg.data, where, now);
  if (!result.reply) return { messages: [], leases: result.leases, outcome: result.outcome };
  const out: Omit<PacketOut, "xid"> = {
    type: "packet_out",
    bufferId: OFP_NO_BUFFER,
    // From the controller, so output to the request's own port is a plain output.
    inPort: OFPP.CONTROLLER,
    actions: [{ type: "output", port: inPort }],
    data: result.reply,
  };
  return { messages: [out], leases: result.leases, outcome: result.outcome };
}

export interface DhcpAppOptions {
  lookup: PortLookup;
  now?: () => number;
  logger?: Logger;
  /** Called after every answered or refused DHCP PACKET_IN (for the live view, tests). */
  onOutcome?: (dpid: string, outcome: string, leases: LeaseDb) => void;
}

/** The DHCP app: one lease table for all switches (leases are per port, ports are global). */
export class TenantDhcpApp implements App {
  readonly name = "tenant-dhcp";
  private leaseDb: LeaseDb = new Map();
  private readonly now: () => number;
  private readonly log: Logger;
  answered = 0;

  constructor(private readonly opts: DhcpAppOptions) {
    this.now = opts.now ?? Date.now;
    this.log = opts.logger ?? createLogger("dhcp");
  }

  get leases(): ReadonlyMap<string, Lease> {
    return this.leaseDb;
  }

  start(controller: ControllerApi): () => void {
    const off = controller.on("packet_in", (sw, msg) => this.onPacketIn(sw, msg));
    const sweep = setInterval(() => {
      this.leaseDb = expireLeases(this.leaseDb, this.now());
    }, 60_000);
    sweep.unref();
    return () => {
      off();
      clearInterval(sweep);
    };
  }

  onPacketIn(sw: Switch, msg: PacketIn): void {
    const d = dhcpDecision(this.leaseDb, msg, sw.dpid, this.opts.lookup, this.now());
    if (d.outcome === null) return;
    this.leaseDb = d.leases;
    if (d.messages.length > 0) {
      sw.send(d.messages);
      this.answered++;
    }
    this.log.debug({ dpid: sw.dpidHex, outcome: d.outcome }, "dhcp");
    this.opts.onOutcome?.(sw.dpidHex, d.outcome, this.leaseDb);
  }
}
