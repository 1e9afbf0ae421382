// The OVSDB client: a reconnecting JSON-RPC session that keeps a replica of the monitored tables
// and runs transactions against it (the layering of Open vSwitch's python/ovs/db/idl.py).
//
// On every (re)connection it fetches the schema, checks its version, starts a monitor_cond (or a
// plain monitor when the server does not know monitor_cond), and resets the replica from the
// initial contents; the row changes this causes are reported like any other, so listeners see what
// happened while the client was away. Requests in flight when a connection drops fail with
// ConnectionClosedError; transactions run through `run` are rebuilt and retried.
//
// Nothing here throws into the event loop: failures become rejected promises and "error" events.

import { JsonRpcConnection, RpcError, ConnectionClosedError } from "./jsonrpc";
import { parseTarget, openTarget, formatTarget, type Target, type TlsFiles } from "./target";
import { parseSchema, checkSchemaVersion, checkSchemaHas, type DatabaseSchema } from "./schema";
import { Replica, type RowChange } from "./replica";
import { TransactionBuilder, type Condition, type Operation } from "./ops";
import { interpretResults, TransactionError, type CommitResult } from "./results";
import { step, initialSession, DEFAULT_BACKOFF, type Backoff, type SessionEvent, type SessionSnapshot, type SessionState } from "./session";

export interface OvsdbClientOptions {
  /** "tcp:HOST:PORT", "ssl:HOST:PORT" or "unix:PATH". */
  target: string;
  database?: string;
  /** Tables to monitor and their columns ([] = every column). */
  tables: Record<string, readonly string[]>;
  /** Lowest schema version this client works with (same major). */
  requiredVersion?: string;
  tls?: TlsFiles;
  backoff?: Backoff;
  /** Send an echo when nothing arrived for this long; drop the connection if still silent. 0 = off. */
  probeIntervalMs?: number;
  connectTimeoutMs?: number;
  /**
   * monitor_cond conditions per table (RFC 7047 where-clauses): only matching rows are replicated;
   * a row that stops matching arrives as a delete. Ignored by the plain "monitor" fallback, which
   * replicates every row.
   */
  where?: Record<string, Condition[]>;
  /** "monitor_cond" (default; falls back to "monitor" if unknown) or force RFC 7047 "monitor". */
  monitorMethod?: "monitor_cond" | "monitor";
  /** How long `commit` waits for its inserted rows to show up in the replica. */
  replicaSyncTimeoutMs?: number;
}

export interface ChangeBatch {
  changes: RowChange[];
  /** True when the batch comes from resetting the replica after a (re)connection. */
  resync: boolean;
}

type Listener<T> = (value: T) => void;

interface EventMap {
  change: ChangeBatch;
  state: SessionState;
  /** Problems that end a connection attempt (they are retried); never thrown. */
  error: Error;
  locked: string;
  stolen: string;
}

/** Lock names are RFC 7047 <id>s: ovsdb-server refuses anything else with a syntax error. */
function checkLockId(id: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(id)) throw new Error(`bad lock name "${id}": letters, digits and _ only, not starting with a digit`);
}

export class OvsdbClient {
  readonly target: Target;
  readonly database: string;
  private session: SessionSnapshot = initialSession;
  private conn: JsonRpcConnection | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private replicaValue: Replica | null = null;
  private readonly listeners: { [K in keyof EventMap]: Set<Listener<EventMap[K]>> } = {
    change: new Set(),
    state: new Set(),
    error: new Set(),
    locked: new Set(),
    stolen: new Set(),
  };
  private readyWaiters: { resolve(): void; reject(e: Error): void }[] = [];
  private readonly wantedLocks = new Set<string>();
  private readonly heldLocks = new Set<string>();
  private monitorFormat: "update" | "update2" = "update2";
  /** Bumped per connection, so late callbacks of a dead connection are ignored. */
  private generation = 0;
  lastError: Error | null = null;
  /** Counts replica changes, so a retry knows whether fresher data already arrived. */
  private changeSeq = 0;

  constructor(readonly options: OvsdbClientOptions) {
    this.target = parseTarget(options.target);
    this.database = options.database ?? "Open_vSwitch";
  }

  /** Connects to a target and waits until the replica is loaded. */
  static async connect(options: OvsdbClientOptions, timeoutMs = 10_000): Promise<OvsdbClient> {
    const client = new OvsdbClient(options);
    client.start();
    try {
      await client.ready(timeoutMs);
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  get state(): SessionState {
    return this.session.state;
  }

  /** Which update format the current monitor sends ("update2" from monitor_cond). */
  get updateFormat(): "update" | "update2" {
    return this.monitorFormat;
  }

  get isReady(): boolean {
    return this.session.state === "active";
  }

  /** The replica; available once the first negotiation succeeded. */
  get replica(): Replica {
    if (!this.replicaValue) throw new Error(`OVSDB ${formatTarget(this.target)}: not connected yet`);
    return this.replicaValue;
  }

  get schema(): DatabaseSchema {
    return this.replica.schema;
  }

  on<K extends keyof EventMap>(event: K, listener: Listener<EventMap[K]>): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  private emit<K extends keyof EventMap>(event: K, value: EventMap[K]): void {
    for (const l of this.listeners[event]) {
      try {
        l(value);
      } catch (err) {
        // A listener's failure is its own; report it without breaking the session.
        if (event !== "error") this.emit("error", err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  start(): void {
    this.dispatch({ type: "start" });
  }

  /** Resolves when the session is active (replica loaded); rejects on timeout or close. */
  ready(timeoutMs = 10_000): Promise<void> {
    if (this.session.state === "active") return Promise.resolve();
    if (this.session.state === "closed") return Promise.reject(new Error("OVSDB client is closed"));
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== waiter);
        const why = this.lastError ? `: ${this.lastError.message}` : "";
        reject(new Error(`OVSDB ${formatTarget(this.target)} not ready after ${timeoutMs} ms${why}`));
      }, timeoutMs);
      this.readyWaiters.push(waiter);
    });
  }

  close(): void {
    this.dispatch({ type: "close" });
  }

  // --- the state machine's edge -------------------------------------------------------------

  private dispatch(event: SessionEvent): void {
    const before = this.session.state;
    const { next, action } = step(this.session, event, this.options.backoff ?? DEFAULT_BACKOFF);
    this.session = next;
    if (next.state !== before) this.emit("state", next.state);
    switch (action.type) {
      case "connect":
        void this.doConnect();
        break;
      case "negotiate":
        void this.doNegotiate();
        break;
      case "ready":
        for (const w of this.readyWaiters.splice(0)) w.resolve();
        break;
      case "schedule-retry":
        this.dropConnection();
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.dispatch({ type: "retry" });
        }, action.delayMs);
        break;
      case "drop-connection":
        this.dropConnection();
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.retryTimer = null;
        for (const w of this.readyWaiters.splice(0)) w.reject(new Error("OVSDB client closed"));
        break;
      case "none":
        break;
    }
  }

  private fail(error: Error, generation: number): void {
    if (generation !== this.generation) return;
    this.lastError = error;
    this.emit("error", error);
    this.dispatch({ type: "failed", error });
  }

  private dropConnection(): void {
    this.generation++;
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = null;
    this.heldLocks.clear();
    const conn = this.conn;
    this.conn = null;
    conn?.close();
  }

  private async doConnect(): Promise<void> {
    const generation = ++this.generation;
    try {
      const socket = await openTarget(this.target, this.options.tls, this.options.connectTimeoutMs ?? 5000);
      if (generation !== this.generation) {
        socket.destroy();
        return;
      }
      this.conn = new JsonRpcConnection(socket, {
        onNotification: (method, params) => this.onNotification(method, params, generation),
        onClose: (error) => {
          if (generation !== this.generation) return;
          this.fail(error ?? new ConnectionClosedError(`OVSDB ${formatTarget(this.target)} closed the connection`), generation);
        },
      });
      this.dispatch({ type: "connected" });
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)), generation);
    }
  }

  private async doNegotiate(): Promise<void> {
    const generation = this.generation;
    const conn = this.conn;
    if (!conn) return;
    try {
      const schema = parseSchema(await conn.request("get_schema", [this.database]));
      if (this.options.requiredVersion) checkSchemaVersion(schema, this.options.requiredVersion);
      checkSchemaHas(schema, this.options.tables);
      const previous = this.replicaValue;
      const replica = previous && previous.schema.version === schema.version ? previous : new Replica(schema, this.options.tables);
      const columns = (table: string): string[] => replica.columnsOf(table);
      let initial: unknown;
      try {
        if (this.options.monitorMethod === "monitor") throw new RpcError("monitor_cond", "not requested");
        const requests: Record<string, unknown> = {};
        for (const t of Object.keys(this.options.tables)) {
          const where = this.options.where?.[t];
          requests[t] = [where ? { columns: columns(t), where } : { columns: columns(t) }];
        }
        initial = await conn.request("monitor_cond", [this.database, "vnet", requests]);
        this.monitorFormat = "update2";
      } catch (err) {
        // Servers before monitor_cond answer "unknown method": fall back to RFC 7047 monitor.
        if (!(err instanceof RpcError)) throw err;
        const requests: Record<string, unknown> = {};
        for (const t of Object.keys(this.options.tables)) requests[t] = { columns: columns(t) };
        initial = await conn.request("monitor", [this.database, "vnet", requests]);
        this.monitorFormat = "update";
      }
      if (generation !== this.generation) return;
      const changes = replica.reset(initial, this.monitorFormat);
      this.replicaValue = replica;
      this.changeSeq++;
      for (const lock of this.wantedLocks) void this.requestLock("lock", lock).catch(() => undefined);
      this.startProbes(conn, generation);
      this.dispatch({ type: "monitoring" });
      if (changes.length > 0) this.emit("change", { changes, resync: true });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      // A wrong schema will not fix itself by retrying fast, but the server may be upgraded: keep
      // retrying with back-off and say why through lastError / the error event.
      this.fail(e, generation);
    }
  }

  private startProbes(conn: JsonRpcConnection, generation: number): void {
    const interval = this.options.probeIntervalMs ?? 5000;
    if (interval <= 0) return;
    let probing = false;
    this.probeTimer = setInterval(() => {
      if (generation !== this.generation || probing) return;
      if (Date.now() - conn.lastReceived < interval) return;
      probing = true;
      const deadline = setTimeout(() => this.fail(new Error(`OVSDB ${formatTarget(this.target)}: no reply to echo`), generation), interval);
      conn.request("echo", []).then(
        () => {
          clearTimeout(deadline);
          probing = false;
        },
        () => clearTimeout(deadline),
      );
    }, Math.max(50, Math.floor(interval / 2)));
    this.probeTimer.unref?.();
  }

  private onNotification(method: string, params: unknown[], generation: number): void {
    if (generation !== this.generation) return;
    if (method === "update" || method === "update2") {
      if (!this.replicaValue) return;
      const changes = this.replicaValue.apply(params[1], method);
      this.changeSeq++;
      if (changes.length > 0) this.emit("change", { changes, resync: false });
    } else if (method === "locked" && typeof params[0] === "string") {
      this.heldLocks.add(params[0]);
      this.emit("locked", params[0]);
    } else if (method === "stolen" && typeof params[0] === "string") {
      this.heldLocks.delete(params[0]);
      this.emit("stolen", params[0]);
    }
  }

  // --- requests --------------------------------------------------------------------------------

  private connection(): JsonRpcConnection {
    if (!this.conn || this.session.state !== "active") {
      throw new ConnectionClosedError(`OVSDB ${formatTarget(this.target)} is not connected (${this.session.state})`);
    }
    return this.conn;
  }

  async request(method: string, params: unknown[]): Promise<unknown> {
    return this.connection().request(method, params);
  }

  async listDbs(): Promise<string[]> {
    const r = await this.request("list_dbs", []);
    if (!Array.isArray(r) || !r.every((x) => typeof x === "string")) throw new Error("list_dbs: bad reply");
    return r;
  }

  async getSchema(database = this.database): Promise<DatabaseSchema> {
    return parseSchema(await this.request("get_schema", [database]));
  }

  async echo(payload: unknown[] = []): Promise<unknown> {
    return this.request("echo", payload);
  }

  /** Sends operations as they are; returns the interpreted result (never throws for op errors). */
  async transact(ops: Operation[]): Promise<CommitResult> {
    const reply = await this.request("transact", [this.database, ...ops]);
    return interpretResults(ops, reply);
  }

  /** A builder bound to this client's schema and replica. */
  builder(): TransactionBuilder {
    return new TransactionBuilder(this.schema, this.replica);
  }

  /**
   * Builds a transaction from the current replica and commits it. `build` returns false to commit
   * nothing (nothing to change). After success, waits until the replica holds the inserted rows
   * of monitored tables, so the caller can read them right away.
   */
  async commit(build: (txn: TransactionBuilder, replica: Replica) => boolean | void): Promise<CommitResult> {
    const txn = this.builder();
    if (build(txn, this.replica) === false || txn.ops.length === 0) return { status: "success", results: [], inserted: {} };
    const result = await this.transact(txn.ops);
    if (result.status === "success") await this.awaitInserted(txn.ops, result.inserted);
    return result;
  }

  /**
   * Commits with the IDL's retry loop: on "try-again" (a verified column changed) or a connection
   * lost mid-flight, wait for the replica to be current again and rebuild. Throws TransactionError
   * for any other failure, or after `attempts` tries.
   */
  async run(build: (txn: TransactionBuilder, replica: Replica) => boolean | void, attempts = 5): Promise<CommitResult> {
    let last: CommitResult | null = null;
    let lastErr: Error | null = null;
    for (let i = 0; i < attempts; i++) {
      try {
        await this.ready(this.options.connectTimeoutMs ?? 10_000);
        const builtAt = this.changeSeq;
        const result = await this.commit(build);
        if (result.status === "success") return result;
        if (result.status !== "try-again") throw new TransactionError(result);
        last = result;
        // Rebuild at once if the change that defeated the verification is already in the replica.
        if (this.changeSeq === builtAt) await this.nextChange(500);
      } catch (err) {
        if (!(err instanceof ConnectionClosedError)) throw err;
        lastErr = err;
      }
    }
    if (last) throw new TransactionError(last);
    throw lastErr ?? new Error("transaction failed");
  }

  private async awaitInserted(ops: readonly Operation[], inserted: Record<string, string>): Promise<void> {
    const wanted: [string, string][] = [];
    for (const op of ops) {
      if (op.op === "insert" && op["uuid-name"] && this.replicaValue?.tables.has(op.table)) {
        const id = inserted[op["uuid-name"]];
        if (id) wanted.push([op.table, id]);
      }
    }
    if (wanted.length === 0) return;
    await this.waitFor((r) => wanted.every(([t, id]) => r.get(t, id) !== undefined), this.options.replicaSyncTimeoutMs ?? 3000).catch(
      () => undefined,
    );
  }

  /** Resolves with the predicate's first truthy value over the replica, checked on each change. */
  waitFor<T>(predicate: (replica: Replica) => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): boolean => {
        if (!this.replicaValue || this.session.state !== "active") return false;
        try {
          const v = predicate(this.replicaValue);
          if (v) {
            done();
            resolve(v);
            return true;
          }
        } catch (err) {
          done();
          reject(err instanceof Error ? err : new Error(String(err)));
          return true;
        }
        return false;
      };
      const offChange = this.on("change", () => void check());
      const offState = this.on("state", () => void check());
      const timer = setTimeout(() => {
        done();
        reject(new Error(`OVSDB ${formatTarget(this.target)}: condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        offChange();
        offState();
      };
      check();
    });
  }

  private nextChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const off = this.on("change", () => finish());
      const timer = setTimeout(() => finish(), timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        off();
        resolve();
      };
    });
  }

  // --- locks (RFC 7047 section 4.1.8-4.1.10) ----------------------------------------------------

  /** Asks for a lock; resolves true if granted now (else a "locked" event follows when it is). */
  async lock(id: string): Promise<boolean> {
    this.wantedLocks.add(id);
    return this.requestLock("lock", id);
  }

  /** Takes a lock from whoever holds it (they get "stolen"). */
  async steal(id: string): Promise<boolean> {
    checkLockId(id);
    // The server refuses a steal while this session's own lock request is outstanding.
    if (this.wantedLocks.has(id)) await this.request("unlock", [id]);
    this.wantedLocks.add(id);
    return this.requestLock("steal", id);
  }

  async unlock(id: string): Promise<void> {
    checkLockId(id);
    this.wantedLocks.delete(id);
    this.heldLocks.delete(id);
    await this.request("unlock", [id]);
  }

  holdsLock(id: string): boolean {
    return this.heldLocks.has(id);
  }

  private async requestLock(method: "lock" | "steal", id: string): Promise<boolean> {
    checkLockId(id);
    const reply = (await this.request(method, [id])) as { locked?: unknown } | null;
    const locked = reply?.locked === true;
    if (locked) this.heldLocks.add(id);
    return locked;
  }
}
