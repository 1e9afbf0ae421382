// JSON-RPC 1.0 over one stream (RFC 7047 section 4): requests with ids and their responses,
// notifications (id null), and "echo" answered on the spot in both directions. It knows nothing of
// databases; it turns a byte stream into calls and callbacks and fails every waiting call with a
// clear error when the stream ends or the peer speaks something that is not JSON-RPC.

import type { Duplex } from "node:stream";
import { JsonStreamFramer, FramingError } from "./framing";

export class RpcError extends Error {
  override name = "RpcError";
  constructor(
    readonly method: string,
    readonly error: unknown,
  ) {
    super(`${method} failed: ${typeof error === "string" ? error : JSON.stringify(error)}`);
  }
}

export class ConnectionClosedError extends Error {
  override name = "ConnectionClosedError";
}

export class ProtocolError extends Error {
  override name = "ProtocolError";
}

export interface RpcHandlers {
  /** A notification (update, update2, locked, stolen ...). */
  onNotification?(method: string, params: unknown[]): void;
  /** A request other than echo; return the result, or throw to send an error. */
  onRequest?(method: string, params: unknown[]): unknown;
  /** Called once when the connection ends; `error` says why when it was not a clean close. */
  onClose?(error: Error | null): void;
}

interface Pending {
  method: string;
  resolve(result: unknown): void;
  reject(err: Error): void;
}

export class JsonRpcConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly framer: JsonStreamFramer;
  private closedError: Error | null = null;
  private closed = false;
  /** Time (ms, from the clock passed in) of the last byte received: for inactivity probes. */
  lastReceived: number;

  constructor(
    private readonly stream: Duplex,
    private readonly handlers: RpcHandlers = {},
    private readonly now: () => number = Date.now,
    maxMessageBytes?: number,
  ) {
    this.framer = new JsonStreamFramer(maxMessageBytes);
    this.lastReceived = now();
    stream.on("data", (chunk: Buffer) => this.onData(chunk));
    stream.on("error", (err: Error) => this.shutdown(err));
    stream.on("close", () => this.shutdown(null));
    stream.on("end", () => this.shutdown(null));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  request(method: string, params: unknown[]): Promise<unknown> {
    if (this.closed) return Promise.reject(this.closedError ?? new ConnectionClosedError("connection is closed"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      this.send({ method, params, id });
    });
  }

  notify(method: string, params: unknown[]): void {
    if (!this.closed) this.send({ method, params, id: null });
  }

  /** Number of requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  close(error: Error | null = null): void {
    this.shutdown(error);
    this.stream.destroy();
  }

  private send(message: unknown): void {
    this.stream.write(JSON.stringify(message));
  }

  private onData(chunk: Buffer): void {
    this.lastReceived = this.now();
    let texts: string[];
    try {
      texts = this.framer.push(chunk);
    } catch (err) {
      this.close(new ProtocolError(`bad stream from OVSDB server: ${(err as FramingError).message}`));
      return;
    }
    for (const text of texts) {
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch (err) {
        this.close(new ProtocolError(`malformed JSON from OVSDB server: ${(err as Error).message}`));
        return;
      }
      try {
        this.dispatch(message);
      } catch (err) {
        // A handler's bug must not take the process down; it ends this connection instead.
        this.close(err instanceof Error ? err : new ProtocolError(String(err)));
        return;
      }
      if (this.closed) return;
    }
  }

  private dispatch(message: unknown): void {
    if (typeof message !== "object" || message === null || Array.isArray(message)) {
      throw new ProtocolError(`JSON-RPC message is not an object: ${JSON.stringify(message).slice(0, 80)}`);
    }
    const m = message as Record<string, unknown>;
    if (typeof m.method === "string") {
      const params = Array.isArray(m.params) ? m.params : [];
      if (m.id === null || m.id === undefined) {
        this.handlers.onNotification?.(m.method, params);
        return;
      }
      if (m.method === "echo") {
        this.send({ result: params, error: null, id: m.id });
        return;
      }
      try {
        const result = this.handlers.onRequest ? this.handlers.onRequest(m.method, params) : undefined;
        if (result === undefined) this.send({ result: null, error: "unknown method", id: m.id });
        else this.send({ result, error: null, id: m.id });
      } catch (err) {
        this.send({ result: null, error: (err as Error).message, id: m.id });
      }
      return;
    }
    if (!("id" in m)) throw new ProtocolError(`JSON-RPC message has neither method nor id`);
    const pending = typeof m.id === "number" ? this.pending.get(m.id) : undefined;
    if (!pending) throw new ProtocolError(`response to unknown request id ${JSON.stringify(m.id)}`);
    this.pending.delete(m.id as number);
    if (m.error !== null && m.error !== undefined) pending.reject(new RpcError(pending.method, m.error));
    else pending.resolve(m.result);
  }

  private shutdown(error: Error | null): void {
    if (this.closed) return;
    this.closed = true;
    this.closedError = error ?? new ConnectionClosedError("connection closed");
    for (const p of this.pending.values()) {
      p.reject(
        error
          ? new ConnectionClosedError(`${p.method}: connection lost (${error.message})`)
          : new ConnectionClosedError(`${p.method}: connection closed`),
      );
    }
    this.pending.clear();
    this.handlers.onClose?.(error);
  }
}
