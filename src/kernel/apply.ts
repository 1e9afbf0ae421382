// Carries out the operations of diff() over rtnetlink. The only decisions here are name ->
// ifindex look-ups; each failure is recorded with its operation and the rest still run (a later
// reconcile retries what failed), so one bad link never blocks a whole host.

import type { Op } from "./diff";
import type { OwnedLink } from "./linkset";
import type { Rtnl } from "./netlink/socket";

export interface ApplyOutcome {
  done: string[];
  errors: string[];
}

type RtnlOps = Pick<Rtnl, "dumpLinks" | "newLink" | "setLink" | "setBrPort" | "delLink" | "addFdb" | "delFdb">;

export async function applyOps(rtnl: RtnlOps, ops: readonly Op[]): Promise<ApplyOutcome> {
  const outcome: ApplyOutcome = { done: [], errors: [] };
  if (ops.length === 0) return outcome;
  let index = new Map((await rtnl.dumpLinks()).map((l) => [l.name, l.index]));
  const refresh = async (): Promise<void> => {
    index = new Map((await rtnl.dumpLinks()).map((l) => [l.name, l.index]));
  };
  const ifindex = (name: string): number => {
    const i = index.get(name);
    if (i === undefined) throw new Error(`${name} does not exist`);
    return i;
  };

  for (const op of ops) {
    try {
      switch (op.op) {
        case "fdb-del":
        case "fdb-add": {
          const key = { ifindex: ifindex(op.entry.dev), dev: op.entry.dev, mac: op.entry.mac, ...(op.entry.dst ? { dst: op.entry.dst } : {}) };
          await (op.op === "fdb-add" ? rtnl.addFdb(key) : rtnl.delFdb(key));
          break;
        }
        case "link-del":
          await rtnl.delLink(ifindex(op.name), op.name);
          index.delete(op.name);
          break;
        case "link-add":
          await createLink(rtnl, op.link, ifindex);
          await refresh();
          break;
        case "link-set":
          await rtnl.setLink(ifindex(op.name), op.name, {
            ...(op.up !== undefined ? { up: op.up } : {}),
            ...(op.master !== undefined ? { master: op.master === null ? 0 : ifindex(op.master) } : {}),
          });
          break;
        case "brport-set":
          await rtnl.setBrPort(ifindex(op.name), op.name, op.flags);
          break;
      }
      outcome.done.push(`${op.op}: ${op.reason}`);
    } catch (e) {
      outcome.errors.push(`${op.op} (${op.reason}): ${(e as Error).message}`);
    }
  }
  return outcome;
}

async function createLink(rtnl: RtnlOps, link: OwnedLink, ifindex: (name: string) => number): Promise<void> {
  switch (link.kind) {
    case "bridge":
      // STP off: each bridge is a leaf segment; STP's 30 s listening delay would only stall ports.
      await rtnl.newLink({ kind: "bridge", name: link.name, bridge: { stp: false }, up: true });
      return;
    case "vxlan":
      await rtnl.newLink({
        kind: "vxlan",
        name: link.name,
        vxlan: { vni: link.vni, local: link.local, port: link.port, learning: false },
        master: ifindex(link.bridge),
        up: true,
      });
      return;
    case "vlan":
      await rtnl.newLink({ kind: "vlan", name: link.name, vlanId: link.vlanId, lower: ifindex(link.lower), master: ifindex(link.bridge), up: true });
      return;
  }
}
