// The kernel backend's realiser, on the controller side: for every host whose backend is
// "bridge", one agent inside the host's namespace, fed with compile(model, host, caps). It fits
// the orchestrator's `Realiser` seam (src/realise/index.ts): `apply(model)` on every model change
// (bursts coalesce: passes run one at a time, the last model wins), `reconcile()` periodically or
// on demand. Both produce one report per host, which `onReport` hears and `status()` keeps, so
// the live view and logs can show drift.

import type { NetworkModel } from "../model/types";
import type { Realiser } from "../realise/index";
import { KernelAgentClient } from "./agent/client";
import type { AgentEvent, ApplyReport, Methods } from "./agent/protocol";
import { compile } from "./compile";
import type { KernelCaps } from "./linkset";

export interface HostReport extends ApplyReport {
  hostId: string;
  /** The agent could not be reached or refused the request. */
  failure?: string;
}

export interface RealiserOptions {
  /** Where a host's agent runs: its network namespace (the lab), or null for this machine. */
  netnsOf(hostId: string): string | null;
  onReport?: (r: HostReport) => void;
  onEvent?: (hostId: string, e: AgentEvent) => void;
  /** Reconcile every host this often (drift is reported and repaired); default: only on demand. */
  reconcileIntervalMs?: number;
}

interface HostAgent {
  client: KernelAgentClient;
  netns: string | null;
  caps: KernelCaps | null;
  /** The agent holds a LinkSet (it can reconcile); false for a fresh or restarted one. */
  applied: boolean;
}

export class KernelRealiser implements Realiser {
  readonly backend = "bridge" as const;
  private readonly agents = new Map<string, HostAgent>();
  private readonly last = new Map<string, HostReport>();
  private running: Promise<HostReport[]> | null = null;
  /** The last model applied: a restarted agent gets it again on the next reconcile. */
  private model: NetworkModel | null = null;
  private next: NetworkModel | null = null;

  private readonly timer: NodeJS.Timeout | null;

  constructor(private readonly opts: RealiserOptions) {
    const every = opts.reconcileIntervalMs;
    this.timer = every ? setInterval(() => void this.reconcile(), every) : null;
    this.timer?.unref();
  }

  /**
   * The seam's entry point: applies the model, coalescing bursts. Resolves with the reports of
   * the pass that applied this model (or a later one).
   */
  apply(model: NetworkModel): Promise<HostReport[]> {
    this.next = model;
    if (!this.running) this.running = this.drain();
    return this.running;
  }

  private async drain(): Promise<HostReport[]> {
    let reports: HostReport[] = [];
    try {
      while (this.next) {
        const m = this.next;
        this.next = null;
        reports = await this.sync(m);
      }
      return reports;
    } finally {
      this.running = null;
    }
  }

  /** The last report of every host. */
  status(): HostReport[] {
    return [...this.last.values()];
  }

  /** Applies the model to every bridge-backend host now; stops the agents of hosts that left. */
  async sync(model: NetworkModel): Promise<HostReport[]> {
    this.model = model;
    const wanted = model.hosts.filter((h) => h.backend === "bridge").map((h) => h.id);
    for (const [id, a] of this.agents) {
      if (!wanted.includes(id) || a.netns !== this.opts.netnsOf(id)) {
        this.agents.delete(id);
        this.last.delete(id);
        await a.client.close();
      }
    }
    return Promise.all(wanted.map((id) => this.applyHost(model, id)));
  }

  /** Reports drift on every host and repairs it (repair=false: report only). Never rejects. */
  async reconcile(repair = true): Promise<HostReport[]> {
    const model = this.model;
    if (!model) return [];
    const hosts = model.hosts.filter((h) => h.backend === "bridge").map((h) => h.id);
    return Promise.all(
      hosts.map((hostId) => {
        let a = this.agents.get(hostId);
        if (a && !a.client.alive) {
          this.agents.delete(hostId);
          a = undefined;
        }
        // No agent (it died) or a fresh one: it knows nothing to compare with, so apply instead.
        if (!a || !a.applied) return this.applyHost(model, hostId);
        return this.report(hostId, () => a.client.call("reconcile", { repair }));
      }),
    );
  }

  /** Any agent method on one host (counters, dump, dhcpStats...). */
  call<M extends keyof Methods>(hostId: string, method: M, params: Methods[M]["params"]): Promise<Methods[M]["result"]> {
    const a = this.agents.get(hostId);
    if (!a) return Promise.reject(new Error(`host ${hostId} has no kernel agent`));
    return a.client.call(method, params);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const all = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(all.map((a) => a.client.close()));
  }

  private agent(hostId: string): HostAgent {
    let a = this.agents.get(hostId);
    if (!a) {
      const netns = this.opts.netnsOf(hostId);
      const client = KernelAgentClient.start({ netns, onEvent: (e) => this.opts.onEvent?.(hostId, e) });
      a = { client, netns, caps: null, applied: false };
      this.agents.set(hostId, a);
    }
    return a;
  }

  private async applyHost(model: NetworkModel, hostId: string): Promise<HostReport> {
    return this.report(hostId, async () => {
      const a = this.agent(hostId);
      a.caps ??= await a.client.call("caps", {});
      const report = await a.client.call("apply", { linkSet: compile(model, hostId, a.caps) });
      a.applied = true;
      return report;
    });
  }

  private async report(hostId: string, run: () => Promise<ApplyReport>): Promise<HostReport> {
    let r: HostReport;
    try {
      r = { hostId, ...(await run()) };
    } catch (e) {
      r = { hostId, done: [], errors: [], drift: [], pending: [], problems: [], failure: (e as Error).message };
      // A dead agent is dropped so that the next sync starts a fresh one.
      const a = this.agents.get(hostId);
      if (a && !a.client.alive) this.agents.delete(hostId);
    }
    this.last.set(hostId, r);
    this.opts.onReport?.(r);
    return r;
  }
}
