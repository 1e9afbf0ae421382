// The kernel backend's realiser, on the controller side: for every host whose backend is
// "bridge", one agent inside the host's namespace, fed with compile(model, host, caps). Call
// `sync(model)` on every model change and `reconcile()` periodically (or on demand): both return
// one report per host, and `onReport` hears them, so the live view and logs can show drift.

import type { NetworkModel } from "../model/types";
import { KernelAgentClient } from "./agent/client";
import type { AgentEvent, ApplyReport } from "./agent/protocol";
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
}

interface HostAgent {
  client: KernelAgentClient;
  netns: string | null;
  caps: KernelCaps | null;
}

export class KernelRealiser {
  private readonly agents = new Map<string, HostAgent>();

  constructor(private readonly opts: RealiserOptions) {}

  /** Applies the model to every bridge-backend host; stops the agents of hosts that left. */
  async sync(model: NetworkModel): Promise<HostReport[]> {
    const wanted = model.hosts.filter((h) => h.backend === "bridge").map((h) => h.id);
    for (const [id, a] of this.agents) {
      if (!wanted.includes(id) || a.netns !== this.opts.netnsOf(id)) {
        this.agents.delete(id);
        await a.client.close();
      }
    }
    return Promise.all(wanted.map((id) => this.applyHost(model, id)));
  }

  /** Reports drift on every host and repairs it (repair=false: report only). */
  async reconcile(repair = true): Promise<HostReport[]> {
    return Promise.all(
      [...this.agents.entries()].map(async ([hostId, a]) => this.report(hostId, () => a.client.call("reconcile", { repair }))),
    );
  }

  async counters(hostId: string): Promise<Record<string, { packets: number; bytes: number }>> {
    const a = this.agents.get(hostId);
    if (!a) throw new Error(`host ${hostId} has no kernel agent`);
    return a.client.call("counters", {});
  }

  async close(): Promise<void> {
    const all = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(all.map((a) => a.client.close()));
  }

  private agent(hostId: string): HostAgent {
    let a = this.agents.get(hostId);
    if (!a) {
      const netns = this.opts.netnsOf(hostId);
      const client = KernelAgentClient.start({ netns, onEvent: (e) => this.opts.onEvent?.(hostId, e) });
      a = { client, netns, caps: null };
      this.agents.set(hostId, a);
    }
    return a;
  }

  private async applyHost(model: NetworkModel, hostId: string): Promise<HostReport> {
    return this.report(hostId, async () => {
      const a = this.agent(hostId);
      a.caps ??= await a.client.call("caps", {});
      return a.client.call("apply", { linkSet: compile(model, hostId, a.caps) });
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
    this.opts.onReport?.(r);
    return r;
  }
}
