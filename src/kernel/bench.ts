// Benchmarks of the kernel backend; prints numbers, asserts nothing.
//   npx tsx src/kernel/bench.ts            (as root: part 2 makes a namespace of its own)
// 1. compile + diff for a large model (pure CPU).
// 2. Applying a host's LinkSet over rtnetlink, against the same links made by running `ip` once
//    per link (what "shelling out one command at a time" costs), in a throw-away namespace.

import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { applyChanges, EMPTY_MODEL, type ModelChange } from "../model";
import { applyOps } from "./apply";
import { compile } from "./compile";
import { diff } from "./diff";
import { ALL_CAPS } from "./linkset";
import { Rtnl } from "./netlink/socket";

function bigModel(hosts: number, networks: number, portsPerNetworkPerHost: number) {
  const changes: ModelChange[] = [{ op: "add_tenant", tenant: { id: "t", name: "t" } }];
  for (let h = 0; h < hosts; h++) {
    changes.push({ op: "add_host", host: { id: `h${h}`, name: `h${h}`, managementAddress: `10.${h >> 8}.${h & 255}.1`, ovsdbTarget: "unix:/x", backend: "bridge", tunnelIp: `10.1.${h >> 8}.${(h & 255) + 1}` } });
  }
  for (let n = 0; n < networks; n++) {
    changes.push({ op: "add_network", network: { id: `n${n}`, tenantId: "t", name: `n${n}`, kind: "overlay", segmentationId: 1000 + n, subnet: "10.200.0.0/16", gateway: null, dhcpRange: null, dns: [] } });
  }
  let mac = 1;
  for (let n = 0; n < networks; n++) {
    for (let h = 0; h < hosts; h++) {
      for (let k = 0; k < portsPerNetworkPerHost; k++, mac++) {
        const m = `02:00:00:${((mac >> 16) & 255).toString(16).padStart(2, "0")}:${((mac >> 8) & 255).toString(16).padStart(2, "0")}:${(mac & 255).toString(16).padStart(2, "0")}`;
        changes.push({ op: "add_port", port: { id: `p${mac}`, networkId: `n${n}`, hostId: `h${h}`, mac: m, ip: `10.200.${(h * portsPerNetworkPerHost + k + 1) >> 8}.${(h * portsPerNetworkPerHost + k + 1) & 255}` } });
      }
    }
  }
  // Validation of thousands of ports is the model's cost, not the backend's: built once.
  const r = applyChanges(EMPTY_MODEL, changes);
  if (!r.ok) throw new Error(JSON.stringify(r.errors.slice(0, 3)));
  return r.value;
}

function timeIt(label: string, n: number, f: () => unknown): void {
  f(); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) f();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / n;
  console.log(`${label}: ${ms.toFixed(2)} ms`);
}

async function pure(): Promise<void> {
  const t0 = Date.now();
  const model = bigModel(20, 50, 2);
  console.log(`model: ${model.hosts.length} hosts, ${model.networks.length} networks, ${model.ports.length} ports (built in ${Date.now() - t0} ms)`);
  const ls = compile(model, "h0", ALL_CAPS);
  console.log(`LinkSet of h0: ${ls.links.length} links, ${ls.attachments.length} attachments, ${ls.fdb.length} FDB entries`);
  timeIt("compile(model, h0)", 20, () => compile(model, "h0", ALL_CAPS));
  const empty = { links: [], fdb: [] };
  timeIt("diff(LinkSet, empty host)", 20, () => diff(ls, empty));
}

async function kernel(): Promise<void> {
  const rtnl = Rtnl.open();
  const model = bigModel(20, 50, 2);
  const ls = compile(model, "h0", ALL_CAPS);
  const ops = diff(ls, { links: await rtnl.dumpLinks(), fdb: await rtnl.dumpFdb() }).ops;
  let t0 = Date.now();
  const out = await applyOps(rtnl, ops);
  const applyMs = Date.now() - t0;
  console.log(`rtnetlink apply of h0 (${ops.length} operations, ${out.errors.length} errors): ${applyMs} ms (${((ops.length / applyMs) * 1000).toFixed(0)} ops/s)`);
  t0 = Date.now();
  const after = diff(ls, { links: await rtnl.dumpLinks(), fdb: await rtnl.dumpFdb() });
  console.log(`dump + diff of the converged host: ${Date.now() - t0} ms, ${after.ops.length} operations left`);

  const N = 100;
  t0 = Date.now();
  for (let i = 0; i < N; i++) await rtnl.newLink({ kind: "bridge", name: `kbnl${i}` });
  const nlMs = Date.now() - t0;
  t0 = Date.now();
  for (let i = 0; i < N; i++) spawnSync("ip", ["link", "add", `kbip${i}`, "type", "bridge"]);
  const ipMs = Date.now() - t0;
  console.log(`create ${N} bridges: rtnetlink ${nlMs} ms (${(nlMs / N).toFixed(2)} ms each), one \`ip\` process per link ${ipMs} ms (${(ipMs / N).toFixed(2)} ms each)`);
  rtnl.close();
}

if (process.env.KB_BENCH_IN_NS) {
  await kernel();
} else {
  await pure();
  const ns = `kbbench${randomBytes(3).toString("hex")}`;
  spawnSync("ip", ["netns", "add", ns]);
  try {
    const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
    spawnSync("ip", ["netns", "exec", ns, tsx, fileURLToPath(import.meta.url)], { stdio: "inherit", env: { ...process.env, KB_BENCH_IN_NS: "1" } });
  } finally {
    spawnSync("ip", ["netns", "del", ns]);
  }
}
