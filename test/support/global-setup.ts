// Suite-wide guards for tests that build networks on this machine.
//
// 1. Network tests run programs inside namespaces with `ip netns exec`, which shares the root's
//    /etc: a DHCP client's default script there rewrites /etc/resolv.conf and silently breaks DNS
//    for the whole machine. Snapshot it before the run, restore it after, and fail the run loudly.
// 2. A client still talking to a lab host after its lab is gone (an OVSDB reconnect, a controller
//    target) would follow the default route off this machine. While the suite runs, the lab's
//    address ranges that the root namespace never owns are `unreachable`: a lab's management link
//    is a longer prefix and still wins, and a stale connection fails here, locally.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

const RESOLV_CONF = "/etc/resolv.conf";
/** Documentation ranges the labs use; 192.0.2.0/24 is left alone (it may be the machine's own LAN). */
const GUARDED_RANGES = ["198.51.100.0/24", "203.0.113.0/24"];

function ip(args: string[]): boolean {
  try {
    execFileSync("ip", args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export default function setup(): () => void {
  let before: string | undefined;
  try {
    before = readFileSync(RESOLV_CONF, "utf8");
  } catch {
    before = undefined;
  }
  // Only ranges nothing on this machine routes yet; `ip route add` fails when the exact route exists.
  const guarded = GUARDED_RANGES.filter((range) => ip(["-4", "route", "add", "unreachable", range]));

  return () => {
    for (const range of guarded) ip(["-4", "route", "del", "unreachable", range]);
    if (before === undefined) return;
    const after = readFileSync(RESOLV_CONF, "utf8");
    if (after !== before) {
      writeFileSync(RESOLV_CONF, before);
      process.stderr.write(`test guard: a test rewrote ${RESOLV_CONF}; restored it. Find the DHCP client run without its own -s script.\n`);
      process.exitCode = 1;
    }
  };
}
