// Measures what this host's kernel can do, by trying it on throw-away links: the only reliable
// test on kernels without loadable modules, where /proc/config.gz and modinfo may both be absent.

import { spawnSync } from "node:child_process";
import type { KernelCaps } from "../linkset";
import { KernelError } from "../netlink/errors";
import type { Rtnl } from "../netlink/socket";

const PROBE_BRIDGE = "vncapbr";
const PROBE_VLAN = "vncapvl";
const PROBE_VF = "vncapvf";

const unsupported = (e: unknown): boolean =>
  e instanceof KernelError && (e.code === "EOPNOTSUPP" || e.code === "ENOTSUP" || e.code === "EINVAL");

async function tryLink(rtnl: Rtnl, make: () => Promise<void>, name: string): Promise<boolean> {
  try {
    await make();
  } catch (e) {
    if (unsupported(e)) return false;
    throw e;
  }
  const l = await rtnl.linkByName(name);
  if (l) await rtnl.delLink(l.index, name);
  return true;
}

export async function probeCaps(rtnl: Rtnl): Promise<KernelCaps> {
  // Leftovers of a probe that died half-way would make the next one fail with EEXIST.
  for (const l of await rtnl.dumpLinks()) {
    if ([PROBE_BRIDGE, PROBE_VLAN, PROBE_VF].includes(l.name)) await rtnl.delLink(l.index, l.name);
  }
  const vlanFiltering = await tryLink(rtnl, () => rtnl.newLink({ kind: "bridge", name: PROBE_VF, bridge: { vlanFiltering: true } }), PROBE_VF);
  await rtnl.newLink({ kind: "bridge", name: PROBE_BRIDGE });
  let vlan = false;
  try {
    const br = await rtnl.linkByName(PROBE_BRIDGE);
    vlan = await tryLink(rtnl, () => rtnl.newLink({ kind: "vlan", name: PROBE_VLAN, vlanId: 1, lower: br!.index }), PROBE_VLAN);
  } finally {
    const br = await rtnl.linkByName(PROBE_BRIDGE);
    if (br) await rtnl.delLink(br.index, PROBE_BRIDGE);
  }
  return { vlan, vlanFiltering, nftBridge: probeNftBridge() };
}

/** `nft -c` checks a ruleset against the kernel without committing it. */
function probeNftBridge(): boolean {
  const r = spawnSync("nft", ["-c", "-f", "-"], {
    input: "table bridge vncap {\n chain c {\n  type filter hook prerouting priority -200; policy accept;\n }\n}\n",
    encoding: "utf8",
  });
  return r.status === 0;
}
