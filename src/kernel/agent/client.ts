// The controller's handle on one host's kernel agent: spawns it inside the host's network
// namespace (or in the current one when `netns` is null) and exchanges JSON lines with it.

import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { AgentEvent, Methods } from "./protocol";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const TSX = `${ROOT}node_modules/.bin/tsx`;

export interface AgentOptions {
  /** Network namespace of the host; null = run here. */
  netns: string | null;
  /** Milliseconds to wait for any answer (default 20 s: the first apply of a big host is slow). */
  timeoutMs?: number;
  onEvent?: (e: AgentEvent) => void;
}

export class KernelAgentClient {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private exited: string | null = null;
  private stderrTail = "";

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly opts: AgentOptions,
  ) {
    createInterface({ input: child.stdout }).on("line", (line) => this.onLine(line));
    child.stderr.on("data", (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-2000);
    });
    child.on("exit", (code, signal) => {
      this.exited = `kernel agent${opts.netns ? ` in ${opts.netns}` : ""} exited (${signal ?? code})${this.stderrTail ? `: ${this.stderrTail.trim()}` : ""}`;
      for (const [, w] of this.waiting) {
        clearTimeout(w.timer);
        w.reject(new Error(this.exited));
      }
      this.waiting.clear();
    });
  }

  static start(opts: AgentOptions): KernelAgentClient {
    const argv = opts.netns ? ["ip", "netns", "exec", opts.netns, TSX, MAIN] : [TSX, MAIN];
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "pipe", "pipe"], cwd: ROOT });
    return new KernelAgentClient(child, opts);
  }

  call<M extends keyof Methods>(method: M, params: Methods[M]["params"]): Promise<Methods[M]["result"]> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`kernel agent: no answer to ${method} within ${this.opts.timeoutMs ?? 20_000} ms`));
      }, this.opts.timeoutMs ?? 20_000);
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.stdin.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  /** False once the agent process has ended (it is then restarted by whoever owns this client). */
  get alive(): boolean {
    return this.exited === null;
  }

  /** Sends a raw line (tests use it to check that bad input is refused). */
  sendRaw(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  private onLine(line: string): void {
    let msg: { id?: number | null; result?: unknown; error?: string; event?: string; data?: unknown };
    try {
      msg = JSON.parse(line);
    } catch {
      return; // not ours (the agent writes only JSON to stdout; anything else is noise)
    }
    if (msg.event) {
      this.opts.onEvent?.(msg as AgentEvent);
      return;
    }
    const w = typeof msg.id === "number" ? this.waiting.get(msg.id) : undefined;
    if (!w) {
      if (msg.error) this.opts.onEvent?.({ event: "log", data: `agent: ${msg.error}` });
      return;
    }
    this.waiting.delete(msg.id!);
    clearTimeout(w.timer);
    if (msg.error !== undefined) w.reject(new Error(msg.error));
    else w.resolve(msg.result);
  }

  /** Closes stdin (the agent then exits) and waits for the process to end. */
  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((r) => this.child.once("exit", () => r()));
    this.child.stdin.end();
    const kill = setTimeout(() => this.child.kill("SIGKILL"), 3000);
    await done;
    clearTimeout(kill);
  }
}
