import { startTenantLab } from "./tenant-lab";
import { waitFor } from "./vm-lab";
import { setLogLevel } from "../../src/log";
setLogLevel("silent");
const t = await startTenantLab("ovs");
try {
  await Promise.all(t.vms.map((vm) => waitFor("lease", () => t.drivers.netns.leases(vm.spec)[0], 25000, 50)));
  const a1 = t.vm("a1");
  for (let i = 0; i < 3; i++) {
    const r = await t.exec(a1, ["busybox", "ping", "-c", "3", "-i", "0.3", "-W", "1", "-w", "3", "192.0.2.13"]);
    console.log(i, r.code, r.stdout.split("\n").slice(-3).join(" | "));
    const n = await t.exec(a1, ["ip", "neigh"]);
    console.log(n.stdout);
    const a3 = await t.exec(t.vm("a3"), ["ip", "neigh"]);
    console.log("a3 neigh", a3.stdout);
  }
} finally {
  await t.close();
}
