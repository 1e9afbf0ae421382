// A switch played by the test over a real loopback TCP connection, speaking through the codec.
// It answers the controller's handshake by itself (unless told not to) and records everything
// else, so a test can wait for "the next FLOW_MOD" and answer it however the scenario needs.

import { connect } from "node:net";
import type { Socket } from "node:net";
import { decode, encode, Framer } from "../../../openflow";
import type { OfpMessage, PortDesc } from "../../../openflow";

import { testPort } from "../../support/port-desc";

export { testPort };

type MessageOf<T extends OfpMessage["type"]> = Extract<OfpMessage, { type: T }>;

export interface ScriptedOptions {
  dpid?: bigint;
  ports?: PortDesc[];
  /** Answer FEATURES, PORT_DESC, BARRIER and ECHO requests automatically (default true). */
  autoAnswer?: boolean;
  /** Send our HELLO on connect (default true). */
  hello?: boolean;
}

export class ScriptedSwitch {
  readonly received: OfpMessage[] = [];
  answerEchoes = true;
  answerBarriers = true;
  closed = false;
  readonly closedPromise: Promise<void>;
  private waiters: { type: string; accept: (m: OfpMessage) => boolean; resolve: (m: OfpMessage) => void }[] = [];
  private consumed = new Set<OfpMessage>();
  private readonly framer = new Framer();

  private constructor(
    readonly socket: Socket,
    private readonly opts: Required<ScriptedOptions>,
  ) {
    this.closedPromise = new Promise((resolve) => socket.once("close", () => {
      this.closed = true;
      resolve();
    }));
    socket.on("error", () => {});
    socket.on("data", (chunk: Buffer) => {
      for (const frame of this.framer.push(chunk)) this.onMessage(decode(Buffer.from(frame)));
    });
  }

  /** Connects to a TCP port on 127.0.0.1, or to a unix socket path. */
  static connect(target: number | string, options: ScriptedOptions = {}): Promise<ScriptedSwitch> {
    const opts: Required<ScriptedOptions> = {
      dpid: options.dpid ?? 1n,
      ports: options.ports ?? [testPort(1), testPort(2)],
      autoAnswer: options.autoAnswer ?? true,
      hello: options.hello ?? true,
    };
    return new Promise((resolve, reject) => {
      const socket = typeof target === "number" ? connect({ host: "127.0.0.1", port: target }) : connect({ path: target });
      socket.once("error", reject);
      socket.once("connect", () => {
        const sw = new ScriptedSwitch(socket, opts);
        if (opts.hello) sw.send({ type: "hello", xid: 1, versions: [4] });
        resolve(sw);
      });
    });
  }

  send(msg: OfpMessage): void {
    this.socket.write(encode(msg));
  }

  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The first message of `type` (and passing `accept`) not yet returned by next(), waiting for it if needed. */
  next<T extends OfpMessage["type"]>(type: T, accept: (m: MessageOf<T>) => boolean = () => true, timeoutMs = 3000): Promise<MessageOf<T>> {
    const ok = (m: OfpMessage): boolean => m.type === type && accept(m as MessageOf<T>);
    const found = this.received.find((m) => ok(m) && !this.consumed.has(m));
    if (found !== undefined) {
      this.consumed.add(found);
      return Promise.resolve(found as MessageOf<T>);
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        type,
        accept: ok,
        resolve: (m: OfpMessage) => {
          clearTimeout(timer);
          resolve(m as MessageOf<T>);
        },
      };
      // A waiter that timed out must leave the list: left there, it would swallow the next
      // matching message and hide it from every later next().
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onMessage(msg: OfpMessage): void {
    this.received.push(msg);
    if (this.opts.autoAnswer) this.autoAnswer(msg);
    const i = this.waiters.findIndex((w) => w.accept(msg));
    if (i >= 0) {
      this.consumed.add(msg);
      this.waiters.splice(i, 1)[0]!.resolve(msg);
    }
  }

  private autoAnswer(msg: OfpMessage): void {
    switch (msg.type) {
      case "features_request":
        this.send({ type: "features_reply", xid: msg.xid, datapathId: this.opts.dpid, nBuffers: 0, nTables: 254, auxiliaryId: 0, capabilities: 0 });
        break;
      case "multipart_request":
        if (msg.kind === "port_desc") this.send({ type: "multipart_reply", xid: msg.xid, flags: 0, kind: "port_desc", ports: this.opts.ports });
        break;
      case "barrier_request":
        if (this.answerBarriers) this.send({ type: "barrier_reply", xid: msg.xid });
        break;
      case "echo_request":
        if (this.answerEchoes) this.send({ type: "echo_reply", xid: msg.xid, data: msg.data });
        break;
      default:
    }
  }
}
