// The emulator's calibration peer (`tsx null-responder.ts PORT`): a "controller" that answers
// every PACKET_IN with one canned PACKET_OUT, found by scanning headers, written in one batch per
// chunk. It decodes nothing and learns nothing, so what the emulator reaches against it is a
// floor for what the emulator can drive.
import { createServer } from "node:net";
import { encode, OFP_NO_BUFFER, OFPP, OFPT } from "../../../../openflow";
import { HeaderScanner } from "../scanner";

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  process.stderr.write(`null-responder: bad port "${process.argv[2]}"\n`);
  process.exit(2);
}

const answer = encode({
  type: "packet_out",
  xid: 1,
  bufferId: OFP_NO_BUFFER,
  inPort: 1,
  actions: [{ type: "output", port: OFPP.FLOOD }],
  data: Buffer.alloc(64),
});
// HELLO and FEATURES_REQUEST: the emulator waits for the latter before it counts a switch ready.
const greeting = Buffer.concat([encode({ type: "hello", xid: 1, versions: [4] }), encode({ type: "features_request", xid: 2 })]);
const packetIns: boolean[] = [];
packetIns[OFPT.PACKET_IN] = true;

const server = createServer({ noDelay: true }, (socket) => {
  let owed = 0;
  const scanner = new HeaderScanner(packetIns, { counted: () => owed++, message: () => {} });
  socket.on("error", () => {});
  socket.on("data", (chunk: Buffer) => {
    try {
      scanner.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    if (owed === 0) return;
    const out = Buffer.allocUnsafe(answer.length * owed);
    for (let i = 0; i < owed; i++) answer.copy(out, i * answer.length);
    owed = 0;
    socket.write(out);
  });
  socket.write(greeting);
});
server.listen(port, "127.0.0.1");
process.once("SIGTERM", () => process.exit(0));
