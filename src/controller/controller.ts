// The controller: listeners (TCP, TLS with client certificates, unix socket), one Session per
// connection, one housekeeping tick for all of them, and typed events for apps.
//
// Apps see a switch only between `switch_up` (handshake finished) and `switch_down`. If a switch
// connects again while its old connection still looks alive (it restarted faster than the echo
// timeout), the new connection wins and the old one is closed first, so apps always see
// down-then-up for one datapath id.

import { createServer as createTcpServer } from "node:net";
import type { AddressInfo, Server, Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { errorNames, messageTypeName } from "../../openflow";
import type { ErrorMsg, FlowRemoved, PacketIn, PortStatus } from "../../openflow";
import { createLogger } from "../log";
import type { Logger } from "../log";
import type { App, ControllerApi, ControllerEventName, ControllerEvents, Handler, Switch } from "./api";
import { systemClock } from "./clock";
import type { Clock } from "./clock";
import type { PortChange } from "./ports";
import { DEFAULT_SESSION_CONFIG, Session } from "./session";
import type { SessionConfig, SessionHost } from "./session";

export interface ControllerOptions extends Partial<SessionConfig> {
  clock?: Clock;
  logger?: Logger;
  /** How often sessions check keepalives and request timeouts. */
  tickMs?: number;
}

export interface TlsFiles {
  /** PEM contents (not paths) of the controller's private key, its certificate, and the CA that signs switch certificates. */
  key: string | Buffer;
  cert: string | Buffer;
  ca: string | Buffer;
}

type Listeners = { [E in ControllerEventName]: Handler<E>[] };

export class Controller implements ControllerApi, SessionHost {
  readonly clock: Clock;
  private readonly config: SessionConfig;
  private readonly log: Logger;
  private readonly servers: Server[] = [];
  private readonly sessions = new Set<Session>();
  private readonly rawSockets = new Set<Socket>();
  private readonly byDpid = new Map<bigint, Session>();
  private readonly listeners: Listeners = {
    switch_up: [],
    switch_down: [],
    packet_in: [],
    port_status: [],
    flow_removed: [],
    error: [],
  };
  private readonly stopTick: () => void;
  private closed = false;

  constructor(options: ControllerOptions = {}) {
    const { clock, logger, tickMs, ...session } = options;
    this.clock = clock ?? systemClock;
    this.config = { ...DEFAULT_SESSION_CONFIG, ...definedOnly(session) };
    checkSessionConfig(this.config);
    if (tickMs !== undefined && !(tickMs > 0)) throw new Error(`controller: tickMs must be positive, got ${tickMs}`);
    this.log = logger ?? createLogger("controller");
    this.stopTick = this.clock.every(tickMs ?? Math.min(1000, this.config.echoIntervalMs / 2), () => this.tick());
  }

  // ---- listening ----

  listenTcp(port: number, host = "0.0.0.0"): Promise<AddressInfo> {
    return this.listen(createTcpServer({ noDelay: true }), { port, host }, "tcp");
  }

  /** OVS `ssl:` targets: the switch must present a certificate signed by `files.ca`. */
  listenTls(port: number, host: string, files: TlsFiles): Promise<AddressInfo> {
    // A peer that never finishes the TLS handshake is dropped after 10 s, not Node's default 120 s.
    const server = createTlsServer({ ...files, requestCert: true, rejectUnauthorized: true, handshakeTimeout: 10_000 });
    server.on("tlsClientError", (err, socket) => {
      this.log.warn({ peer: `${socket.remoteAddress}:${socket.remotePort}`, reason: err.message }, "TLS handshake refused");
    });
    return this.listen(server, { port, host }, "tls", "secureConnection");
  }

  /** A unix socket, e.g. inside the run directory of an ovs-vswitchd that lives in a namespace. */
  async listenUnix(path: string): Promise<void> {
    await this.listen(createTcpServer(), { path }, "unix");
  }

  private listen(
    server: Server,
    where: { port: number; host: string } | { path: string },
    transport: string,
    connectionEvent = "connection",
  ): Promise<AddressInfo> {
    if (this.closed) return Promise.reject(new Error("controller is closed"));
    server.on(connectionEvent, (socket: Socket) => this.accept(socket));
    // Every raw connection, including TLS ones still in their handshake (no session yet), so
    // that close() can end them all instead of waiting for them.
    server.on("connection", (socket: Socket) => {
      this.rawSockets.add(socket);
      socket.once("close", () => this.rawSockets.delete(socket));
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(where, () => {
        server.off("error", reject);
        server.on("error", (err) => this.log.error({ err: err.message, transport }, "listener error"));
        this.servers.push(server);
        const address = server.address();
        const info: AddressInfo =
          typeof address === "object" && address !== null ? address : { address: String(address), family: "unix", port: 0 };
        this.log.info({ transport, address: info.address, port: info.port }, "listening");
        resolve(info);
      });
    });
  }

  /** Serves an already connected socket (any transport); what the listeners do for each connection. */
  accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.sessions.add(new Session(socket, this, this.config, this.log));
  }

  // ---- the app API ----

  on<E extends ControllerEventName>(event: E, handler: Handler<E>): () => void {
    const list = this.listeners[event] as Handler<E>[];
    list.push(handler);
    return () => {
      const i = list.indexOf(handler);
      if (i >= 0) list.splice(i, 1);
    };
  }

  use(app: App): () => void {
    const stop = app.start(this);
    this.log.info({ app: app.name }, "app started");
    return () => {
      if (typeof stop === "function") stop();
    };
  }

  *switches(): Iterable<Switch> {
    yield* this.byDpid.values();
  }

  /** By datapath id: a bigint, or hex digits ("0000000000abcdef", "00:00:...:ab:cd:ef", "0xabcdef"). */
  switchByDpid(dpid: bigint | string): Switch | undefined {
    if (typeof dpid === "bigint") return this.byDpid.get(dpid);
    const hex = dpid.trim().replace(/^0x/i, "").replace(/:/g, "");
    if (!/^[0-9a-fA-F]{1,16}$/.test(hex)) return undefined;
    return this.byDpid.get(BigInt(`0x${hex}`));
  }

  /** Connections open now, up or still in their handshake. */
  get connectionCount(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopTick();
    const closing = this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const session of [...this.sessions]) session.close("controller shutting down");
    for (const socket of this.rawSockets) socket.destroy();
    await Promise.all(closing);
  }

  tick(): void {
    const now = this.clock.now();
    for (const session of this.sessions) session.tick(now);
  }

  // ---- SessionHost: what sessions report ----

  sessionUp(session: Session): void {
    const previous = this.byDpid.get(session.dpid);
    if (previous !== undefined && previous !== session) previous.close("replaced by a new connection from the same datapath");
    this.byDpid.set(session.dpid, session);
    this.emit("switch_up", session);
  }

  sessionDown(session: Session, reason: string, wasUp: boolean): void {
    this.sessions.delete(session);
    if (!wasUp) return;
    if (this.byDpid.get(session.dpid) === session) this.byDpid.delete(session.dpid);
    this.emit("switch_down", session, reason);
  }

  packetIn(session: Session, msg: PacketIn): void {
    this.emit("packet_in", session, msg);
  }

  portStatus(session: Session, msg: PortStatus, change: PortChange): void {
    this.emit("port_status", session, msg, change);
  }

  flowRemoved(session: Session, msg: FlowRemoved): void {
    this.emit("flow_removed", session, msg);
  }

  unsolicitedError(session: Session, msg: ErrorMsg): void {
    const names = errorNames(msg.errorType, msg.code);
    // The start of the refused message rides in `data`: its type says what was refused.
    const refused = msg.data.length >= 2 ? (messageTypeName(msg.data[1]!) ?? `type ${msg.data[1]}`) : "unknown";
    session.logger.warn({ xid: msg.xid, error: `${names.type}/${names.code}`, refused }, "switch refused a message");
    this.emit("error", session, msg);
  }

  private emit<E extends ControllerEventName>(event: E, ...args: ControllerEvents[E]): void {
    const list = this.listeners[event] as Handler<E>[];
    for (let i = 0; i < list.length; i++) {
      try {
        const result: unknown = list[i]!(...args);
        if (result instanceof Promise) result.catch((err: unknown) => this.handlerFailed(event, args[0], err));
      } catch (err) {
        this.handlerFailed(event, args[0], err);
      }
    }
  }

  private handlerFailed(event: string, sw: Switch, err: unknown): void {
    this.log.error({ dpid: sw.dpidHex, event, err: err instanceof Error ? err.stack : String(err) }, "app handler failed");
  }
}

/** Refuses a configuration that cannot work, with the option's name, before anything listens. */
function checkSessionConfig(config: SessionConfig): void {
  for (const [name, value] of Object.entries(config)) {
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new Error(`controller: ${name} must be a positive number, got ${String(value)}`);
    }
  }
  if (config.deadAfterMs <= config.echoIntervalMs) {
    throw new Error(`controller: deadAfterMs (${config.deadAfterMs}) must be longer than echoIntervalMs (${config.echoIntervalMs}), or no echo could ever be answered`);
  }
  if (!Number.isInteger(config.missSendLen) || config.missSendLen > 0xffff) {
    throw new Error(`controller: missSendLen must be a whole number up to 65535, got ${config.missSendLen}`);
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
