// The host side of the kernel backend: runs inside the host's network namespace, owns one
// rtnetlink socket, and turns "apply this LinkSet" into a dump, a pure diff and the operations.
// It remembers the last LinkSet so that `reconcile` can report and repair hand-made drift, and it
// re-plugs VM interfaces as soon as the kernel announces them (a VM started after the apply).

import { spawnSync } from "node:child_process";
import { applyOps } from "../apply";
import { checkLinkSet } from "../check";
import { describeOp, diff } from "../diff";
import { isPortIfName, type KernelCaps, type LinkSet } from "../linkset";
import { GUARD_TABLE, guardRuleset, parseDropCounters } from "../nft";
import type { Rtnl } from "../netlink/socket";
import { probeCaps } from "./caps";
import type { ApplyReport } from "./protocol";

export class KernelAgent {
  private desired: LinkSet | null = null;
  /** VM interfaces the last run expected but did not find: their appearance is a VM starting. */
  private pending = new Set<string>();
  private appliedRuleset: string | null = null;
  private caps: KernelCaps | null = null;
  /** Serialises apply/reconcile: two interleaved diffs would race on the same links. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly rtnl: Rtnl) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async getCaps(): Promise<KernelCaps> {
    this.caps ??= await this.serial(() => probeCaps(this.rtnl));
    return this.caps;
  }

  apply(input: unknown): Promise<ApplyReport> {
    const linkSet = checkLinkSet(input); // throws before anything changes
    return this.serial(async () => {
      const report = await this.converge(linkSet, false);
      this.desired = linkSet;
      return report;
    });
  }

  /** Brings the kernel back to the last applied LinkSet, reporting what differed as drift. */
  reconcile(repair = true): Promise<ApplyReport> {
    return this.serial(async () => {
      if (!this.desired) throw new Error("nothing applied yet: send apply first");
      return this.converge(this.desired, !repair);
    });
  }

  /**
   * Plugs VM interfaces that just appeared. Work on them is expected (a VM started) and is not
   * reported as drift; anything else found different on the way still is.
   */
  plugAppeared(): Promise<ApplyReport> {
    return this.serial(async () => {
      if (!this.desired) throw new Error("nothing applied yet: send apply first");
      return this.converge(this.desired, false, new Set(this.pending));
    });
  }

  /** A VM interface of the LinkSet went away (VM stopped): plug it again when it comes back. */
  noteGone(name: string): void {
    if (this.desired?.attachments.some((a) => a.name === name && a.portId !== null)) this.pending.add(name);
  }

  /** True when a link event names a VM interface the last run was waiting for. */
  wantsInterface(name: string): boolean {
    return isPortIfName(name) && this.pending.has(name);
  }

  private async converge(linkSet: LinkSet, dryRun: boolean, expected: ReadonlySet<string> = new Set()): Promise<ApplyReport> {
    const observed = { links: await this.rtnl.dumpLinks(), fdb: await this.rtnl.dumpFdb() };
    const { ops, pending } = diff(linkSet, observed);
    const ruleset = guardRuleset(linkSet.guards);
    const guardDrift = this.guardDrift(linkSet);
    // Differences from the LinkSet applied last time are drift; a new LinkSet's are just work.
    const sameAsLast = this.desired !== null && JSON.stringify(this.desired) === JSON.stringify(linkSet);
    const unexpected = ops.filter((op) => !("name" in op && expected.has(op.name)));
    const drift = sameAsLast ? [...unexpected.map(describeOp), ...(guardDrift ? [guardDrift] : [])] : [];
    if (dryRun) return { done: [], errors: [], drift, pending, problems: linkSet.problems };
    this.pending = new Set(pending);
    const outcome = await applyOps(this.rtnl, ops);
    // Nothing guarded now or before: leave nftables alone (it may not even be installed).
    const nftNeeded = linkSet.guards.length > 0 || (this.appliedRuleset !== null && this.appliedRuleset !== ruleset);
    if (nftNeeded && (guardDrift !== null || ruleset !== this.appliedRuleset)) {
      const err = runNft(ruleset);
      if (err) outcome.errors.push(`port security: ${err}`);
      else {
        this.appliedRuleset = ruleset;
        outcome.done.push(`port security: ${linkSet.guards.length} port(s) guarded`);
      }
    }
    return { done: outcome.done, errors: outcome.errors, drift, pending, problems: linkSet.problems };
  }

  /**
   * The guard table must be there, with every port's chain sending that port's frames to a chain
   * that still ends in its counted drop: a deleted table, a flushed chain or a port taken out of
   * the map is drift (port security was off meanwhile).
   */
  private guardDrift(linkSet: LinkSet): string | null {
    if (this.appliedRuleset === null || linkSet.guards.length === 0) return null;
    const listed = spawnSync("nft", ["list", "table", "bridge", GUARD_TABLE], { encoding: "utf8" });
    if (listed.status !== 0) return `nft table bridge ${GUARD_TABLE} is missing: port security was off`;
    const text = listed.stdout;
    const broken = linkSet.guards
      .map((g) => g.ifname)
      .filter((ifname) => !text.includes(`"${ifname}" : jump port_${ifname}`) || !chainBody(text, `port_${ifname}`).includes(`counter name "drop_${ifname}" drop`));
    if (broken.length) return `nft table bridge ${GUARD_TABLE} was changed: port security was off for ${broken.join(", ")}`;
    return null;
  }

  async dump() {
    return { links: await this.rtnl.dumpLinks(), fdb: await this.rtnl.dumpFdb() };
  }

  counters(): Record<string, { packets: number; bytes: number }> {
    const r = spawnSync("nft", ["-j", "list", "counters", "table", "bridge", GUARD_TABLE], { encoding: "utf8" });
    if (r.status !== 0) return {};
    return parseDropCounters(r.stdout);
  }
}

/** The text of one chain in `nft list table` output (up to its closing brace). */
function chainBody(listing: string, chain: string): string {
  const start = listing.indexOf(`chain ${chain} {`);
  if (start < 0) return "";
  const end = listing.indexOf("}", start);
  return listing.slice(start, end < 0 ? undefined : end);
}

/** Applies a ruleset file in one nft transaction; returns nft's complaint, or null. */
function runNft(ruleset: string): string | null {
  const r = spawnSync("nft", ["-f", "-"], { input: ruleset, encoding: "utf8" });
  if (r.error) return `cannot run nft: ${r.error.message}`;
  return r.status === 0 ? null : (r.stderr || `nft exited with ${r.status}`).trim();
}
