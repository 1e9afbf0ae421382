// DHCP for overlay networks in bridge mode, answered by the SAME pure server as the OVS backend
// (src/apps/dhcp `handle`): frames from each VM interface arrive through packet_io.py (an
// AF_PACKET helper, see there why), the reply goes back out of the same interface. The port is
// known from the interface the frame came in on, exactly as OVS knows it from in_port.
// Like the OVS pipeline's ARP responder, it also answers ARP for the network's DHCP server
// address with the service MAC, so a client renewing by unicast finds the server.

import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { handle, expireLeases, type LeaseDb } from "../../apps/dhcp/server";
import { dhcpServerIp, serviceMac } from "../../model/ipam";
import { ARP_OP, arpFrame, encodeFrame, ETH_TYPE, parseFrame } from "../../packet/frame";
import type { DhcpScope } from "../linkset";
import type { Network, Port } from "../../model/types";

const HELPER = fileURLToPath(new URL("./packet_io.py", import.meta.url));

interface Binding {
  port: Port;
  network: Network;
}

export interface DhcpEvent {
  ifname: string;
  portId?: string;
  outcome: string;
}

export class DhcpService {
  private helper: ChildProcessWithoutNullStreams | null = null;
  private bindings = new Map<string, Binding>();
  private leases: LeaseDb = new Map();
  private replies = new Map<string, number>();

  constructor(private readonly onEvent: (e: DhcpEvent) => void) {}

  /** Sets the interfaces to answer on; returns problems (e.g. the helper cannot start). */
  configure(scopes: readonly DhcpScope[]): string[] {
    const next = new Map<string, Binding>();
    for (const s of scopes) for (const p of s.ports) next.set(p.ifname, { port: p.port, network: s.network });
    const errors: string[] = [];
    if (next.size > 0 && !this.helper) {
      try {
        this.start();
      } catch (e) {
        errors.push(`DHCP: cannot start packet helper: ${(e as Error).message}`);
        return errors;
      }
    }
    for (const name of this.bindings.keys()) if (!next.has(name)) this.write(`unwatch ${name}`);
    for (const name of next.keys()) if (!this.bindings.has(name)) this.write(`watch ${name}`);
    this.bindings = next;
    return errors;
  }

  stats(): Record<string, number> {
    return Object.fromEntries(this.replies);
  }

  stop(): void {
    this.helper?.stdin.end();
    this.helper?.kill();
    this.helper = null;
  }

  private start(): void {
    const child = spawn("python3", ["-u", HELPER], { stdio: ["pipe", "pipe", "pipe"] });
    child.on("error", (e) => this.onEvent({ ifname: "-", outcome: `packet helper failed: ${e.message}` }));
    child.on("exit", (code) => {
      if (this.helper === child) {
        this.helper = null;
        this.onEvent({ ifname: "-", outcome: `packet helper exited (${code}); restarting on the next apply` });
      }
    });
    child.stderr.on("data", (d: Buffer) => this.onEvent({ ifname: "-", outcome: `packet helper: ${d.toString().trim()}` }));
    createInterface({ input: child.stdout }).on("line", (line) => {
      try {
        this.onHelperLine(line);
      } catch (e) {
        // One bad frame or binding must not take the agent (and every host bridge) down.
        this.onEvent({ ifname: "-", outcome: `DHCP: frame dropped: ${(e as Error).message}` });
      }
    });
    this.helper = child;
  }

  private write(line: string): void {
    this.helper?.stdin.write(`${line}\n`);
  }

  private onHelperLine(line: string): void {
    const [kind, ifname = "-", rest = ""] = line.split(" ", 3);
    if (kind !== "frame") {
      if (kind === "error") this.onEvent({ ifname, outcome: `packet helper: ${rest}` });
      return;
    }
    const b = this.bindings.get(ifname);
    if (!b || !/^[0-9a-f]*$/.test(rest)) return;
    const frame = Buffer.from(rest, "hex");
    if (frame.length >= 14 && frame.readUInt16BE(12) === ETH_TYPE.ARP) {
      this.answerArp(ifname, b, frame);
      return;
    }
    const now = Date.now();
    this.leases = expireLeases(this.leases, now);
    let result;
    try {
      result = handle(this.leases, frame, { port: b.port, network: b.network }, now);
    } catch (e) {
      this.onEvent({ ifname, portId: b.port.id, outcome: `DHCP server error: ${(e as Error).message}` });
      return;
    }
    this.leases = result.leases;
    if (result.reply) {
      this.write(`send ${ifname} ${Buffer.from(result.reply).toString("hex")}`);
      this.replies.set(b.network.id, (this.replies.get(b.network.id) ?? 0) + 1);
    }
    this.onEvent({ ifname, portId: b.port.id, outcome: result.outcome });
  }

  /** Answers "who has <DHCP server address>?" from the port's own VM; other ARP is not ours. */
  private answerArp(ifname: string, b: Binding, frame: Buffer): void {
    const serverIp = dhcpServerIp(b.network);
    const serverMac = serviceMac(b.network);
    if (!serverIp || !serverMac) return;
    let req;
    try {
      req = parseFrame(frame);
    } catch {
      return; // malformed: the VM gets no answer, the agent carries on
    }
    if (req.payload.kind !== "arp" || req.payload.op !== ARP_OP.REQUEST || req.payload.tpa !== serverIp) return;
    if (req.src !== b.port.mac || req.payload.sha !== b.port.mac) return; // port security drops it anyway
    const reply = arpFrame({
      op: ARP_OP.REPLY,
      srcMac: serverMac,
      dstMac: req.payload.sha,
      sha: serverMac,
      spa: serverIp,
      tha: req.payload.sha,
      tpa: req.payload.spa,
    });
    this.write(`send ${ifname} ${Buffer.from(encodeFrame(reply)).toString("hex")}`);
  }
}
