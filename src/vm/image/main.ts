// Builds (or finds in the cache) the guest image that libvirt VMs boot, and prints where it is:
//   npx tsx src/vm/image/main.ts [--data-dir DIR]      (scripts/build-guest-image.sh runs this)
// The data directory defaults to $VNET_DATA_DIR, else ./.vnet, as for `vnet serve`.
import { resolve } from "node:path";
import { buildGuestImage } from "./build";

const args = process.argv.slice(2);
const flag = args.length === 2 && args[0] === "--data-dir" ? args[1] : undefined;
if (args.length !== 0 && !flag) {
  console.error("usage: build-guest-image [--data-dir DIR]");
  process.exit(2);
}
const dataDir = resolve(flag ?? process.env.VNET_DATA_DIR ?? ".vnet");
try {
  const img = await buildGuestImage({ dataDir, log: (l) => console.error(l) });
  console.log(JSON.stringify(img, null, 2));
} catch (err) {
  console.error(`build-guest-image: ${(err as Error).message}`);
  process.exit(1);
}
