// Human-readable and JSON views of decoded OpenFlow messages, for `vnet ofp-print`. The text
// follows ovs-ofctl ofp-print where admins expect it (flows in ovs-ofctl syntax, OFPT_ names,
// xids in hex) and stays plain key=value elsewhere.
import {
  errorNames, formatDuration, formatFlow, formatMatch, formatAction, formatPort, OFPT, OFPMP, messageTypeName,
} from "../../../openflow";
import type { OfpMessage, PortDesc } from "../../../openflow";

const OFPT_NAME = new Map(Object.entries(OFPT).map(([k, v]) => [messageTypeName(v)!, `OFPT_${k}`]));
const OFPMP_NAME = new Map(Object.entries(OFPMP).map(([k, v]) => [k.toLowerCase(), `OFPMP_${k}`]));

const hexId = (n: number) => "0x" + n.toString(16);

/** JSON-safe copy: bigint as decimal string, bytes as hex. */
export function toJson(msg: OfpMessage): unknown {
  return JSON.parse(
    JSON.stringify(msg, (_k, v) => {
      if (typeof v === "bigint") return v.toString();
      if (v && typeof v === "object" && v.type === "Buffer" && Array.isArray(v.data)) return Buffer.from(v.data).toString("hex");
      if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
      return v;
    }),
  );
}

function port(p: PortDesc): string {
  return `${formatPort(p.portNo)}(${p.name}): addr:${p.hwAddr} config:${hexId(p.config)} state:${hexId(p.state)} speed:${p.currSpeed / 1000}Mbps`;
}

/** A one-line summary of an Ethernet frame (addresses, type, IPv4 addresses and protocol). */
export function frameSummary(data: Uint8Array): string {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (b.length < 14) return `${b.length} bytes`;
  const mac = (o: number) => b.subarray(o, o + 6).toString("hex").replace(/(..)(?!$)/g, "$1:");
  let s = `${mac(6)} > ${mac(0)} type 0x${b.readUInt16BE(12).toString(16).padStart(4, "0")}`;
  if (b.readUInt16BE(12) === 0x0800 && b.length >= 34) {
    const ip = (o: number) => [...b.subarray(o, o + 4)].join(".");
    s += ` ${ip(26)} > ${ip(30)} proto ${b[23]}`;
  }
  return s;
}

/** The message as text: a header line like ovs-ofctl's, then details. */
export function describe(m: OfpMessage): string {
  const kind = m.type === "multipart_request" || m.type === "multipart_reply" ? ` ${OFPMP_NAME.get(m.kind) ?? m.kind}` : "";
  const version = m.type === "hello" && m.version !== undefined ? `wire version ${m.version}` : "OF1.3";
  const head = `${OFPT_NAME.get(m.type) ?? m.type}${kind} (${version}) (xid=${hexId(m.xid)}):`;
  const body = details(m);
  return body ? `${head} ${body}` : head;
}

function details(m: OfpMessage): string {
  switch (m.type) {
    case "hello":
      return m.versions ? `version bitmap: ${m.versions.map((v) => "0x" + v.toString(16).padStart(2, "0")).join(", ")}` : "";
    case "error": {
      const n = errorNames(m.errorType, m.code);
      const exp = m.experimenter !== undefined ? ` experimenter=${hexId(m.experimenter)}` : "";
      return `${n.type}/${n.code}${exp} data=${Buffer.from(m.data).toString("hex")}`;
    }
    case "echo_request":
    case "echo_reply":
      return `${m.data.length} bytes of payload`;
    case "experimenter":
      return `experimenter=${hexId(m.experimenter)} exp_type=${m.expType} data=${Buffer.from(m.data).toString("hex")}`;
    case "features_reply":
      return `dpid:${m.datapathId.toString(16).padStart(16, "0")} n_tables:${m.nTables} n_buffers:${m.nBuffers} auxiliary_id:${m.auxiliaryId} capabilities:${hexId(m.capabilities)}`;
    case "get_config_reply":
    case "set_config":
      return `flags=${hexId(m.flags)} miss_send_len=${m.missSendLen}`;
    case "packet_in":
      return (
        `table_id=${m.tableId} cookie=${"0x" + m.cookie.toString(16)} total_len=${m.totalLen} ${formatMatch(m.match)} ` +
        `reason=${m.reason} buffer=${m.bufferId === 0xffffffff ? "none" : hexId(m.bufferId)} data_len=${m.data.length}\n  ${frameSummary(m.data)}`
      );
    case "flow_removed":
      return `${formatMatch(m.match, m.priority)} reason=${m.reason} table_id=${m.tableId} cookie:0x${m.cookie.toString(16)} duration=${formatDuration(m.durationSec, m.durationNsec)} idle=${m.idleTimeout} hard=${m.hardTimeout} packets=${m.packetCount} bytes=${m.byteCount}`;
    case "port_status":
      return `${["ADD", "DELETE", "MODIFY"][m.reason] ?? m.reason}: ${port(m.desc)}`;
    case "packet_out":
      return `in_port=${formatPort(m.inPort)} actions=${m.actions.map(formatAction).join(",") || "drop"} data_len=${m.data.length}${m.data.length ? `\n  ${frameSummary(m.data)}` : ""}`;
    case "flow_mod":
      return `${["ADD", "MODIFY", "MODIFY_STRICT", "DELETE", "DELETE_STRICT"][m.command] ?? `command=${m.command}`} ${formatFlow(m, { stats: false })}`;
    case "group_mod":
      return `${["ADD", "MODIFY", "DELETE"][m.command] ?? m.command} group_id=${m.groupId},type=${["all", "select", "indirect", "ff"][m.groupType] ?? m.groupType}${m.buckets
        .map((b) => `,bucket=weight:${b.weight},actions=${b.actions.map(formatAction).join(",") || "drop"}`)
        .join("")}`;
    case "multipart_reply":
      switch (m.kind) {
        case "flow":
          return (m.flags ? "flags=[more]" : "") + m.flows.map((f) => `\n ${formatFlow(f)}`).join("");
        case "port_desc":
          return m.ports.map((p) => `\n ${port(p)}`).join("");
        case "desc":
          return `\nManufacturer: ${m.mfrDesc}\nHardware: ${m.hwDesc}\nSoftware: ${m.swDesc}\nSerial Num: ${m.serialNum}\nDP Description: ${m.dpDesc}`;
        default:
          return keyValues(m);
      }
    case "multipart_request":
      if (m.kind === "flow" || m.kind === "aggregate") {
        return `table=${m.tableId === 255 ? "ALL" : m.tableId} out_port=${formatPort(m.outPort)} ${formatMatch(m.match)}`.trim();
      }
      // Named the way ovs-ofctl names them: "port_no=ANY", not "portNo=4294967295".
      if (m.kind === "port_stats") return `port_no=${formatPort(m.portNo)}`;
      if (m.kind === "group") return `group_id=${m.groupId === 0xfffffffc ? "ALL" : m.groupId}`;
      return keyValues(m);
    default:
      return keyValues(m);
  }
}

/** The fields of a message past type, xid, flags and kind, as key=value. */
function keyValues(m: OfpMessage): string {
  const skip = new Set(["type", "xid", "kind"]);
  const j = toJson(m) as Record<string, unknown>;
  return Object.entries(j)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" ");
}
