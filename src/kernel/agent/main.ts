// Entry point of a host's kernel agent: `ip netns exec HOST tsx src/kernel/agent/main.ts`.
// Reads JSON-lines requests on stdin, answers on stdout (protocol.ts), logs nothing to stdout.
// A bad line gets an error answer and changes nothing; the agent exits when stdin closes.

import { createInterface } from "node:readline";
import { createNetlink, Protocol } from "netlink";
import type { LinkSet } from "../linkset";
import { AF_UNSPEC, RTM } from "../netlink/constants";
import { decodeLink } from "../netlink/link";
import { Rtnl } from "../netlink/socket";
import { KernelAgent } from "./agent";
import { DhcpService } from "./dhcp";
import { type AgentEvent, METHODS, type Method, type Response } from "./protocol";

const RTNLGRP_LINK = 1;
/** Link events come in bursts (a veth pair is several messages): wait for the burst to end. */
const EVENT_SETTLE_MS = 30;

const rtnl = Rtnl.open();
const agent = new KernelAgent(rtnl);
const dhcp = new DhcpService((e) => emit({ event: "dhcp", data: e }));

/** One JSON object per line on stdout: answers and events share the stream. */
function send(obj: Response | AgentEvent): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}
const emit: (e: AgentEvent) => void = send;

async function handle(method: Method, params: Record<string, unknown>): Promise<unknown> {
  switch (method) {
    case "caps":
      return agent.getCaps();
    case "apply": {
      const report = await agent.apply(params.linkSet); // checks the LinkSet first
      report.errors.push(...dhcp.configure((params.linkSet as LinkSet).dhcp));
      return report;
    }
    case "reconcile":
      return agent.reconcile(params.repair !== false);
    case "dump":
      return agent.dump();
    case "counters":
      return agent.counters();
    case "dhcpStats":
      return dhcp.stats();
  }
}

async function onLine(line: string): Promise<void> {
  if (!line.trim()) return;
  let id: number | null = null;
  try {
    const req = JSON.parse(line) as { id?: unknown; method?: unknown; params?: unknown };
    if (typeof req !== "object" || req === null) throw new Error("request must be a JSON object");
    id = typeof req.id === "number" ? req.id : null;
    if (id === null) throw new Error("request needs a numeric id");
    if (!METHODS.includes(req.method as Method)) throw new Error(`unknown method ${JSON.stringify(req.method)}; known: ${METHODS.join(", ")}`);
    const params = (typeof req.params === "object" && req.params !== null ? req.params : {}) as Record<string, unknown>;
    send({ id, result: await handle(req.method as Method, params) });
  } catch (e) {
    send({ id, error: e instanceof SyntaxError ? `not JSON: ${e.message}` : (e as Error).message });
  }
}

// Re-plug VM interfaces the moment they appear, instead of waiting for the controller's next pass.
const events = createNetlink(Protocol.ROUTE);
events.addMembership(RTNLGRP_LINK);
let settle: NodeJS.Timeout | null = null;
// A big apply can overflow the event socket's buffer (ENOBUFS): events were lost, so look anyway.
events.on("error", (e) => {
  emit({ event: "log", data: `link event socket: ${e.message}` });
  schedulePlug();
});
rtnl.onError((e) => emit({ event: "log", data: `rtnetlink socket: ${e.message}` }));
events.on("message", (msgs) => {
  let relevant = false;
  for (const m of msgs) {
    if (m.type !== RTM.NEWLINK && m.type !== RTM.DELLINK) continue;
    let name: string;
    try {
      name = decodeLink(m.data).name;
    } catch {
      continue; // a message we cannot read is not worth a crash
    }
    // Leaving a bridge also sends an AF_BRIDGE DELLINK; only an AF_UNSPEC one means "gone".
    if (m.type === RTM.DELLINK && m.data[0] === AF_UNSPEC) agent.noteGone(name);
    if (m.type === RTM.NEWLINK && agent.wantsInterface(name)) relevant = true;
  }
  if (relevant) schedulePlug();
});

function schedulePlug(): void {
  if (settle) clearTimeout(settle);
  settle = setTimeout(() => {
    settle = null;
    agent.plugAppeared().then(
      (report) => emit({ event: "reconciled", data: report }),
      (e: Error) => emit({ event: "log", data: `reconcile after link event failed: ${e.message}` }),
    );
  }, EVENT_SETTLE_MS);
}

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => void onLine(line));
rl.on("close", () => {
  dhcp.stop();
  events.close();
  rtnl.close();
  process.exit(0);
});
