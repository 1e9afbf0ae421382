// One emulated OpenFlow 1.3 switch for the controller benchmark (in the spirit of cbench): it
// answers the controller's handshake like a real switch, then sends PACKET_INs for fresh source
// MACs and counts the PACKET_OUTs that come back.
//
// Two load modes:
// - throughput: keeps `window` PACKET_INs in flight, sending one more for every answer, in
//   batches (one write per received chunk);
// - latency: one PACKET_IN in flight; each round trip is timed.
//
// Everything per packet is cheap: the PACKET_IN bytes are a template copied into one buffer per
// batch with the xid and source MAC patched in place, and answers are counted by scanning
// headers (HeaderScanner), never decoded.

import { connect } from "node:net";
import type { Socket } from "node:net";
import { encode, OFPT } from "../../../openflow";
import { packetInTemplate, replyTo } from "./frames";
import type { PacketInTemplate } from "./frames";
import { HeaderScanner } from "./scanner";

export type LoadMode = "idle" | "throughput" | "latency";

const COUNTED: boolean[] = [];
COUNTED[OFPT.PACKET_OUT] = true;
COUNTED[OFPT.FLOW_MOD] = true;

export class EmulatedSwitch {
  readonly datapathId: bigint;
  /** PACKET_OUTs received since the last reset: the controller's answers. */
  answers = 0;
  flowMods = 0;
  /** Set once FEATURES_REQUEST was answered. */
  featuresAnswered = false;
  /** Clock time of the last message that was not an answer (to wait for a quiet handshake). */
  lastSetupMessageAt = 0;
  closed = false;
  closeReason = "";
  readonly latenciesUs: number[] = [];

  private socket: Socket | undefined;
  private readonly scanner: HeaderScanner;
  private readonly template: PacketInTemplate;
  private mode: LoadMode = "idle";
  private window = 1;
  private inFlight = 0;
  private pendingRefill = 0;
  private refillScheduled = false;
  private xid = 1;
  private macCounter = 0;
  private sentAt = 0;
  private lastAnswerAt = 0;

  constructor(
    readonly index: number,
    private readonly host: string,
    private readonly port: number,
  ) {
    this.datapathId = 0x0000_7600_0000_0000n + BigInt(index + 1); // 0x76 = "v"
    this.template = packetInTemplate(1 + (index % 4));
    this.scanner = new HeaderScanner(COUNTED, {
      counted: (type) => this.onAnswer(type),
      message: (bytes) => this.onMessage(bytes),
    });
  }

  connect(timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port, noDelay: true });
      this.socket = socket;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`switch ${this.index}: no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.write(encode({ type: "hello", xid: 0, versions: [4] }));
        resolve();
      });
      socket.once("error", (err) => {
        clearTimeout(timer);
        this.closeReason = err.message;
        reject(err);
      });
      socket.on("close", () => {
        this.closed = true;
        this.closeReason ||= "closed by the controller";
      });
      socket.on("data", (chunk: Buffer) => {
        try {
          this.scanner.push(chunk);
        } catch (err) {
          this.closeReason = err instanceof Error ? err.message : String(err);
          socket.destroy();
        }
        this.flushRefill();
      });
    });
  }

  /** Switches load mode; `window` is the number of PACKET_INs kept in flight (throughput). */
  start(mode: LoadMode, window = 1): void {
    this.mode = mode;
    this.window = mode === "latency" ? 1 : window;
    this.answers = 0;
    this.flowMods = 0;
    this.latenciesUs.length = 0;
    this.inFlight = 0;
    this.lastAnswerAt = performance.now();
    if (mode !== "idle") this.sendPacketIns(this.window);
  }

  stop(): void {
    this.mode = "idle";
  }

  /**
   * Throughput mode only: a controller may drop PACKET_INs (queue limits), which would leave the
   * window stuck full forever. Called periodically; refills a window that saw no answer lately.
   */
  unstick(now: number, quietMs: number): boolean {
    if (this.mode !== "throughput" || now - this.lastAnswerAt < quietMs) return false;
    this.inFlight = 0;
    this.lastAnswerAt = now;
    this.sendPacketIns(this.window);
    return true;
  }

  close(): void {
    this.mode = "idle";
    this.socket?.destroy();
  }

  private onAnswer(type: number): void {
    if (type === OFPT.FLOW_MOD) {
      this.flowMods++;
      return;
    }
    if (this.mode === "idle") return;
    this.answers++;
    if (this.inFlight > 0) this.inFlight--;
    this.pendingRefill++;
    if (this.mode === "latency") {
      this.latenciesUs.push((performance.now() - this.sentAt) * 1000);
    } else {
      this.lastAnswerAt = performance.now();
    }
  }

  private flushRefill(): void {
    if (this.pendingRefill === 0 || this.mode === "idle") {
      this.pendingRefill = 0;
      return;
    }
    const n = Math.min(this.pendingRefill, this.window - this.inFlight);
    this.pendingRefill = 0;
    if (n > 0) this.sendPacketIns(n);
  }

  private onMessage(bytes: Buffer): void {
    this.lastSetupMessageAt = performance.now();
    const reply = replyTo(bytes, this.datapathId, this.index);
    if (bytes[1] === OFPT.FEATURES_REQUEST) this.featuresAnswered = true;
    if (reply !== undefined) this.socket?.write(reply);
  }

  private sendPacketIns(count: number): void {
    const socket = this.socket;
    if (socket === undefined || socket.destroyed) return;
    const t = this.template.bytes;
    const len = t.length;
    // A fresh buffer per batch: the socket may still hold the previous one.
    const out = Buffer.allocUnsafe(len * count);
    for (let i = 0; i < count; i++) {
      const at = i * len;
      t.copy(out, at);
      out.writeUInt32BE(this.xid, at + 4);
      this.xid = this.xid >= 0xffffffff ? 1 : this.xid + 1;
      // Source MAC 02:<switch>:<32-bit counter>: never repeats within a run, never the destination.
      const mac = at + this.template.srcMacOffset;
      out[mac + 1] = this.index % 255;
      out.writeUInt32BE(this.macCounter, mac + 2);
      this.macCounter = (this.macCounter + 1) >>> 0;
    }
    this.inFlight += count;
    if (this.mode === "latency") this.sentAt = performance.now();
    socket.write(out);
  }
}
