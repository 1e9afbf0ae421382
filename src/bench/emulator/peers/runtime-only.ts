// The controller runtime and the learning switch alone (`tsx runtime-only.ts PORT`), without the
// rest of the `vnet` CLI, which loads every sub-command's modules at start: the benchmark reads
// this process's memory next to `vnet controller`'s.
import { learningSwitch } from "../../../apps/learning";
import { Controller } from "../../../controller";

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  process.stderr.write(`runtime-only: bad port "${process.argv[2]}"\n`);
  process.exit(2);
}
const controller = new Controller();
controller.use(learningSwitch());
await controller.listenTcp(port, "127.0.0.1");
process.once("SIGTERM", () => void controller.close());
