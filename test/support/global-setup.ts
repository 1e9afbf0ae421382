// Suite-wide guard. Network tests run programs inside namespaces with `ip netns exec`, which
// shares the root's /etc: a DHCP client's default script there rewrites /etc/resolv.conf and
// silently breaks DNS for the whole machine. Snapshot it before the run, restore it after, and
// say loudly which run broke it.
import { readFileSync, writeFileSync } from "node:fs";

const RESOLV_CONF = "/etc/resolv.conf";

export default function setup(): () => void {
  let before: string | undefined;
  try {
    before = readFileSync(RESOLV_CONF, "utf8");
  } catch {
    before = undefined;
  }
  return () => {
    if (before === undefined) return;
    const after = readFileSync(RESOLV_CONF, "utf8");
    if (after !== before) {
      writeFileSync(RESOLV_CONF, before);
      process.stderr.write(`test guard: a test rewrote ${RESOLV_CONF}; restored it. Find the DHCP client run without its own -s script.\n`);
      process.exitCode = 1;
    }
  };
}
