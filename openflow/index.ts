// vnet's OpenFlow 1.3 codec: pure TypeScript, no I/O, usable on its own.
//
// How to use:
//
//   import { encode, decode, Framer, OFPP, OFPG, OFPFC, OFP_NO_BUFFER } from "./openflow";
//
//   // Build a message as a plain object (see types.ts) and encode it:
//   const bytes = encode({
//     type: "flow_mod", xid: 1, cookie: 0n, cookieMask: 0n, tableId: 0, command: OFPFC.ADD,
//     idleTimeout: 0, hardTimeout: 0, priority: 100, bufferId: OFP_NO_BUFFER,
//     outPort: OFPP.ANY, outGroup: OFPG.ANY, flags: 0,
//     match: { in_port: 1, eth_dst: "52:54:00:00:00:01" },
//     instructions: [{ type: "apply_actions", actions: [{ type: "output", port: 2 }] }],
//   });
//
//   // Split a TCP stream into messages, then decode each one:
//   const framer = new Framer();
//   socket.on("data", (chunk) => {
//     for (const frame of framer.push(chunk)) handle(decode(frame)); // OfpDecodeError if bad
//   });
//
// - decode() takes exactly one whole message and throws only OfpDecodeError (message + byte
//   offset). Byte fields of what it returns (packet data, raw TLVs) are views into its input.
// - encode() throws OfpEncodeError for values that do not fit (naming the field). The Buffer it
//   returns is the message's own; encodeAll() puts several in one Buffer for one socket write.
// - Framer.push() throws OfpDecodeError on a length below 8 or over its limit, and stays failed:
//   close the connection.
// - 64-bit values are bigint; MACs, IPv4 and IPv6 addresses are strings; reserved ports, tables,
//   groups and all other spec constants are in spec.ts (OFPP.CONTROLLER, OFPTT_ALL, ...).
// - OXM_FIELDS is the one table of match fields (names, wire codes, widths, maskability,
//   prerequisites); matchPrerequisiteProblems(match) checks a match against the spec's rules, and
//   encode(msg, { checkPrerequisites: true }) refuses a FLOW_MOD that breaks them.
// - formatFlow / parseFlow / flowModFromText (text.ts) speak the `ovs-ofctl -O OpenFlow13` flow
//   syntax (what dump-flows prints, what add-flow accepts); bad text throws FlowSyntaxError.
// - docs/openflow.md has the whole picture: coverage, tests, measured speed.

export * from "./spec";
export * from "./types";
export { OfpDecodeError, OfpEncodeError, FlowSyntaxError } from "./errors";
export { encode, encodeAll, decode, decodeHeader, messageTypeName } from "./codec";
export type { OfpHeader, EncodeOptions } from "./codec";
export { Framer } from "./framer";
export type { FramerOptions } from "./framer";
export { Writer } from "./writer";
export { Reader } from "./reader";
export {
  OXM_FIELDS, OXM_BY_NAME, OXM_BY_TEXT, oxmField, oxmHeader, fieldOfHeader, matchPrerequisiteProblems,
} from "./oxm";
export type { OxmField, OxmKind, Prerequisite } from "./oxm";
export { defaultMaxLen } from "./actions";
export {
  formatFlow, parseFlow, flowModFromText, formatMatch, parseMatch, formatInstructions, parseInstructions,
  formatAction, parseAction, formatPort, parsePort, formatDuration,
} from "./text";
export type { FlowEntry, FormatFlowOptions } from "./text";
export { formatMac, formatIpv4, formatIpv6, parseIpv4, parseIpv6, normalizeIpv6, isMac } from "./addr";
