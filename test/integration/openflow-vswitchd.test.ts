// vnet's codec as the controller of a real ovs-vswitchd (userspace datapath, in a namespace of its
// own): the handshake, every request a controller makes and every reply and asynchronous message
// the switch sends decode to what the switch means; flows vnet sends are installed as ovs-ofctl
// shows them; a FLOW stats reply from the switch prints exactly like ovs-ofctl dump-flows.
// With VNET_CAPTURE_FIXTURES=1 it also saves the switch's bytes to test/fixtures/openflow/.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decode, encode, flowModFromText, formatFlow, Framer, OFP_NO_BUFFER, OFPCR_ROLE, OFPET, OFPFC, OFPG, OFPGC, OFPGT,
  OFPMC, OFPMF, OFPMPF_REPLY_MORE, OFPP, OFPPR, OFPR, OFPTT_ALL,
} from "../../openflow";
import type { FlowStats, MessageOf, MultipartReply, MultipartRequestBody, OfpMessage, OfpMessageType } from "../../openflow";
import { frame64 } from "../unit/openflow/samples";
import { FLOW_LINES } from "./openflow-flows";
import { runTool, runToolFull } from "./openflow-peer";

const hasOvs = (await runToolFull("ovs-vswitchd", ["--version"])).code === 0 && process.getuid?.() === 0;
const capture = process.env.VNET_CAPTURE_FIXTURES === "1";

const suffix = `${process.pid.toString(36)}${randomBytes(2).toString("hex")}`.slice(-6);
const NS = `of${suffix}`;
const BR = `ofbr${suffix}`;

/** The controller side of one OpenFlow connection, written with the codec alone. */
class Conn {
  private framer = new Framer();
  private waiters: { pred: (m: OfpMessage) => boolean; resolve: (m: OfpMessage) => void }[] = [];
  readonly inbox: { msg: OfpMessage; bytes: Buffer }[] = [];
  private xid = 100;
  constructor(readonly sock: Socket) {
    sock.on("data", (chunk) => {
      for (const f of this.framer.push(chunk)) {
        const msg = decode(f);
        this.inbox.push({ msg, bytes: Buffer.from(f) });
        if (msg.type === "echo_request") this.send({ type: "echo_reply", xid: msg.xid, data: msg.data });
        this.waiters = this.waiters.filter((w) => (w.pred(msg) ? (w.resolve(msg), false) : true));
      }
    });
  }
  nextXid(): number {
    return ++this.xid;
  }
  send(m: OfpMessage): void {
    this.sock.write(encode(m));
  }
  wait(pred: (m: OfpMessage) => boolean, what: string, timeoutMs = 10_000): Promise<OfpMessage> {
    const found = this.inbox.find((e) => pred(e.msg));
    if (found) return Promise.resolve(found.msg);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({ pred, resolve: (m) => (clearTimeout(t), resolve(m)) });
    });
  }
  async request<T extends OfpMessageType>(m: OfpMessage, replyType: T): Promise<MessageOf<T>> {
    this.send(m);
    return (await this.wait((r) => r.xid === m.xid && (r.type === replyType || r.type === "error"), `${replyType} to xid ${m.xid}`)) as MessageOf<T>;
  }
  /** All parts of a multipart reply (until one without REPLY_MORE). */
  async multipart(body: MultipartRequestBody): Promise<MultipartReply[]> {
    const xid = this.nextXid();
    this.send({ type: "multipart_request", xid, flags: 0, ...body } as OfpMessage);
    const parts: MultipartReply[] = [];
    for (;;) {
      const m = await this.wait((r) => r.xid === xid && (r.type === "multipart_reply" || r.type === "error") && !parts.includes(r as MultipartReply), `multipart ${body.kind}`);
      if (m.type === "error") throw new Error(`switch refused multipart ${body.kind}: ${m.errorType}/${m.code}`);
      parts.push(m as MultipartReply);
      if (!((m as MultipartReply).flags & OFPMPF_REPLY_MORE)) return parts;
    }
  }
  async barrier(): Promise<void> {
    await this.request({ type: "barrier_request", xid: this.nextXid() }, "barrier_reply");
  }
  errors(): MessageOf<"error">[] {
    return this.inbox.map((e) => e.msg).filter((m): m is MessageOf<"error"> => m.type === "error");
  }
}

describe.skipIf(!hasOvs)("a real ovs-vswitchd under vnet's codec", () => {
  let dir = "";
  let server: Server | undefined;
  let conn: Conn;
  let helloFromSwitch: OfpMessage;
  const env = () => ({ ...process.env, OVS_RUNDIR: dir, OVS_DBDIR: dir, OVS_LOGDIR: dir });
  const vsctl = (...args: string[]) => runTool("ovs-vsctl", [`--db=unix:${dir}/db.sock`, "--timeout=10", ...args]);
  const ofctl = (...args: string[]) => runTool("ovs-ofctl", ["-O", "OpenFlow13", ...args]);
  const captured: Record<string, string> = {};
  const keep = (name: string, bytes: Buffer) => {
    captured[name] = bytes.toString("hex");
  };
  const bytesOf = (m: OfpMessage) => conn.inbox.find((e) => e.msg === m)!.bytes;

  beforeAll(async () => {
    dir = mkdtempSync("/tmp/of-vs-");
    const { execFileSync } = await import("node:child_process");
    const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { env: env(), stdio: "pipe" });
    sh("ovsdb-tool", ["create", `${dir}/conf.db`, "/usr/share/openvswitch/vswitch.ovsschema"]);
    sh("ovsdb-server", [`${dir}/conf.db`, `--remote=punix:${dir}/db.sock`, `--pidfile=${dir}/db.pid`, `--unixctl=${dir}/db.ctl`, `--log-file=${dir}/db.log`, "--detach"]);
    sh("ovs-vsctl", [`--db=unix:${dir}/db.sock`, "--no-wait", "init"]);
    sh("ip", ["netns", "add", NS]);
    sh("ip", ["netns", "exec", NS, "ovs-vswitchd", `unix:${dir}/db.sock`, `--pidfile=${dir}/vs.pid`, `--unixctl=${dir}/vs.ctl`, `--log-file=${dir}/vs.log`, "--detach"]);
    // The controller: a unix socket inside the switch's run directory (the only place vswitchd
    // accepts unix: targets), served by the codec.
    const connected = new Promise<Conn>((resolve) => {
      server = createServer((sock) => resolve(new Conn(sock)));
    });
    await new Promise<void>((r) => server!.listen(join(dir, "ctl.sock"), r));
    await vsctl(
      "add-br", BR, "--", "set", "bridge", BR, "datapath_type=netdev", "protocols=OpenFlow13", "fail_mode=secure",
      "--", "set-controller", BR, `unix:${dir}/ctl.sock`,
      "--", "set", "controller", BR, "max_backoff=1000",
    );
    conn = await connected;
    helloFromSwitch = await conn.wait((m) => m.type === "hello", "HELLO");
    conn.send({ type: "hello", xid: 1, versions: [4] });
  });

  afterAll(async () => {
    if (capture && Object.keys(captured).length) {
      const file = join(__dirname, "../fixtures/openflow/vswitchd-3.1.json");
      const note = "Messages a real ovs-vswitchd 3.1 (userspace datapath) sent to vnet's codec, captured by test/integration/openflow-vswitchd.test.ts with VNET_CAPTURE_FIXTURES=1.";
      writeFileSync(file, JSON.stringify({ note, messages: captured }, null, 2) + "\n");
    }
    conn?.sock.destroy();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    if (dir) {
      await runToolFull("ovs-vsctl", [`--db=unix:${dir}/db.sock`, "--timeout=5", "--if-exists", "del-br", BR]);
      for (const pidfile of ["vs.pid", "db.pid"]) {
        const pid = await runToolFull("cat", [join(dir, pidfile)]);
        if (pid.code === 0) await runToolFull("kill", [pid.stdout.trim()]);
      }
      const pids = await runToolFull("ip", ["netns", "pids", NS]);
      for (const p of pids.stdout.split(/\s+/).filter(Boolean)) await runToolFull("kill", ["-9", p]);
      await runToolFull("ip", ["netns", "del", NS]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("handshake: HELLO with a version bitmap, FEATURES_REPLY with the bridge's datapath id", async () => {
    keep("hello", bytesOf(helloFromSwitch));
    expect(helloFromSwitch).toMatchObject({ type: "hello" });
    expect((helloFromSwitch as MessageOf<"hello">).versions).toContain(4);
    const fr = await conn.request({ type: "features_request", xid: conn.nextXid() }, "features_reply");
    keep("features_reply", bytesOf(fr));
    const dpid = (await vsctl("get", "bridge", BR, "datapath_id")).trim().replace(/"/g, "");
    expect(fr.datapathId).toBe(BigInt("0x" + dpid));
    expect(fr.nTables).toBe(254);
    expect(fr.auxiliaryId).toBe(0);
  });

  it("config, role, async and description requests", async () => {
    conn.send({ type: "set_config", xid: conn.nextXid(), flags: 0, missSendLen: 0xffff });
    const cfg = await conn.request({ type: "get_config_request", xid: conn.nextXid() }, "get_config_reply");
    keep("get_config_reply", bytesOf(cfg));
    expect(cfg).toMatchObject({ flags: 0, missSendLen: 0xffff });
    const role = await conn.request({ type: "role_request", xid: conn.nextXid(), role: OFPCR_ROLE.MASTER, generationId: 7n }, "role_reply");
    keep("role_reply", bytesOf(role));
    expect(role).toMatchObject({ type: "role_reply", role: OFPCR_ROLE.MASTER, generationId: 7n });
    const asy = await conn.request({ type: "get_async_request", xid: conn.nextXid() }, "get_async_reply");
    keep("get_async_reply", bytesOf(asy));
    expect(asy.packetInMask[0] & (1 << OFPR.NO_MATCH)).toBeTruthy();
    const [desc] = await conn.multipart({ kind: "desc" });
    keep("desc_reply", bytesOf(desc!));
    expect(desc).toMatchObject({ kind: "desc", mfrDesc: "Nicira, Inc.", hwDesc: "Open vSwitch" });
    expect((desc as { swDesc: string }).swDesc).toMatch(/^3\.1/);
    const [ports] = await conn.multipart({ kind: "port_desc" });
    keep("port_desc_reply", bytesOf(ports!));
    const local = (ports as Extract<MultipartReply, { kind: "port_desc" }>).ports.find((p) => p.portNo === OFPP.LOCAL);
    expect(local?.name).toBe(BR);
    expect(local?.hwAddr).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    const echo = await conn.request({ type: "echo_request", xid: conn.nextXid(), data: Buffer.from("vnet") }, "echo_reply");
    expect(echo.data).toEqual(Buffer.from("vnet"));
  });

  it("installs every flow vnet sends, as ovs-ofctl shows them, and a FLOW stats reply prints like dump-flows", async () => {
    conn.send({ type: "meter_mod", xid: conn.nextXid(), command: OFPMC.ADD, flags: OFPMF.KBPS, meterId: 1, bands: [{ type: "drop", rate: 1000, burstSize: 0 }] });
    conn.send({
      type: "group_mod", xid: conn.nextXid(), command: OFPGC.ADD, groupType: OFPGT.ALL, groupId: 5,
      buckets: [{ weight: 0, watchPort: OFPP.ANY, watchGroup: OFPG.ANY, actions: [{ type: "output", port: OFPP.LOCAL }] }],
    });
    const before = conn.errors().length;
    for (const line of FLOW_LINES) conn.send(flowModFromText(line, { xid: conn.nextXid() }));
    await conn.barrier();
    expect(conn.errors().slice(before)).toEqual([]);
    const dumped = (await ofctl("--no-stats", "dump-flows", `unix:${dir}/${BR}.mgmt`)).split("\n").filter(Boolean).map((l) => l.trim()).sort();
    expect(dumped.length).toBe(FLOW_LINES.length);
    const parts = await conn.multipart({ kind: "flow", tableId: OFPTT_ALL, outPort: OFPP.ANY, outGroup: OFPG.ANY, cookie: 0n, cookieMask: 0n, match: {} });
    keep("flow_stats_reply", bytesOf(parts[0]!));
    const flows = parts.flatMap((p) => (p as { flows: FlowStats[] }).flows);
    expect(flows.map((f) => formatFlow(f, { stats: false })).sort()).toEqual(dumped);
    // And each switch entry means the flow vnet sent (same match and instructions).
    for (const line of FLOW_LINES) {
      const sent = flowModFromText(line);
      const got = flows.find((f) => f.tableId === sent.tableId && f.priority === sent.priority && JSON.stringify(Object.keys(f.match).sort()) === JSON.stringify(Object.keys(sent.match).sort()));
      expect(got, line).toBeDefined();
    }
  });

  it("a frame sent through the pipeline comes back as a PACKET_IN with the frame and its in_port", async () => {
    conn.send(flowModFromText("table=0,priority=0,actions=CONTROLLER:65535", { xid: conn.nextXid() }));
    await conn.barrier();
    conn.send({ type: "packet_out", xid: conn.nextXid(), bufferId: OFP_NO_BUFFER, inPort: OFPP.CONTROLLER, actions: [{ type: "output", port: OFPP.TABLE }], data: frame64 });
    const pi = (await conn.wait((m) => m.type === "packet_in", "PACKET_IN")) as MessageOf<"packet_in">;
    keep("packet_in", bytesOf(pi));
    expect(pi.data).toEqual(frame64);
    expect(pi.totalLen).toBe(64);
    expect(pi.bufferId).toBe(OFP_NO_BUFFER);
    expect(pi.tableId).toBe(0);
    expect(pi.match.in_port).toBe(OFPP.CONTROLLER);
    // Open vSwitch reports a controller action in a table-miss flow as reason ACTION; its own
    // printer agrees with vnet's reading of the same bytes.
    expect(pi.reason).toBe(OFPR.ACTION);
    const printed = await runTool("ovs-ofctl", ["-O", "OpenFlow13", "ofp-print", bytesOf(pi).toString("hex")]);
    expect(printed).toContain("cookie=0x0 total_len=64 in_port=CONTROLLER (via action) data_len=64 (unbuffered)");
  });

  it("a new port is announced with PORT_STATUS ADD", async () => {
    await vsctl("add-port", BR, `${BR}p1`, "--", "set", "interface", `${BR}p1`, "type=internal", "ofport_request=7");
    const ps = (await conn.wait((m) => m.type === "port_status" && m.reason === OFPPR.ADD, "PORT_STATUS")) as MessageOf<"port_status">;
    keep("port_status", bytesOf(ps));
    expect(ps.desc.name).toBe(`${BR}p1`);
    expect(ps.desc.portNo).toBe(7);
  });

  it("statistics: table, port, aggregate, group, meter, queue and table features (several parts)", async () => {
    const [tables] = await conn.multipart({ kind: "table" });
    keep("table_stats_reply", bytesOf(tables!));
    const t = (tables as Extract<MultipartReply, { kind: "table" }>).tables;
    expect(t.length).toBe(254);
    expect(t.find((x) => x.tableId === 5)!.activeCount).toBe(FLOW_LINES.filter((l) => l.startsWith("table=5,")).length);
    const [agg] = await conn.multipart({ kind: "aggregate", tableId: OFPTT_ALL, outPort: OFPP.ANY, outGroup: OFPG.ANY, cookie: 0n, cookieMask: 0n, match: {} });
    keep("aggregate_reply", bytesOf(agg!));
    expect((agg as { flowCount: number }).flowCount).toBe(FLOW_LINES.length + 1);
    const [ps] = await conn.multipart({ kind: "port_stats", portNo: OFPP.ANY });
    keep("port_stats_reply", bytesOf(ps!));
    expect((ps as Extract<MultipartReply, { kind: "port_stats" }>).ports.map((p) => p.portNo).sort()).toEqual([7, OFPP.LOCAL].sort());
    const [gd] = await conn.multipart({ kind: "group_desc" });
    keep("group_desc_reply", bytesOf(gd!));
    expect((gd as Extract<MultipartReply, { kind: "group_desc" }>).groups).toEqual([
      { groupType: OFPGT.ALL, groupId: 5, buckets: [{ weight: 0, watchPort: OFPP.ANY, watchGroup: OFPG.ANY, actions: [{ type: "output", port: OFPP.LOCAL }] }] },
    ]);
    const [gs] = await conn.multipart({ kind: "group", groupId: OFPG.ALL });
    expect((gs as Extract<MultipartReply, { kind: "group" }>).groups[0]).toMatchObject({ groupId: 5, refCount: 1 });
    const [gf] = await conn.multipart({ kind: "group_features" });
    keep("group_features_reply", bytesOf(gf!));
    expect((gf as { types: number }).types & (1 << OFPGT.ALL)).toBeTruthy();
    const [mc] = await conn.multipart({ kind: "meter_config", meterId: 0xffffffff });
    keep("meter_config_reply", bytesOf(mc!));
    // Without OFPMF_BURST, Open vSwitch reports the burst size as the rate.
    expect((mc as Extract<MultipartReply, { kind: "meter_config" }>).meters).toEqual([{ flags: OFPMF.KBPS, meterId: 1, bands: [{ type: "drop", rate: 1000, burstSize: 1000 }] }]);
    const [ms] = await conn.multipart({ kind: "meter", meterId: 0xffffffff });
    expect((ms as Extract<MultipartReply, { kind: "meter" }>).meters[0]).toMatchObject({ meterId: 1, flowCount: 1 });
    const [mf] = await conn.multipart({ kind: "meter_features" });
    keep("meter_features_reply", bytesOf(mf!));
    expect((mf as { maxMeter: number }).maxMeter).toBeGreaterThan(0);
    const q = await conn.request({ type: "queue_get_config_request", xid: conn.nextXid(), port: OFPP.ANY }, "queue_get_config_reply");
    expect(q.type).toBe("queue_get_config_reply");
    const tf = await conn.multipart({ kind: "table_features", tables: [] });
    keep("table_features_reply", bytesOf(tf[0]!));
    expect(tf.length).toBeGreaterThan(1); // 254 tables do not fit one message
    const all = tf.flatMap((p) => (p as Extract<MultipartReply, { kind: "table_features" }>).tables);
    expect(all.length).toBe(254);
    // MATCH lists OVS's experimenter fields too (8-byte ids), so it is kept as bytes: at least 4 per field.
    const matchProp = all[0]!.properties.find((p) => p.type === 8)!;
    expect("ids" in matchProp ? matchProp.ids.length * 4 : matchProp.data.length).toBeGreaterThan(40 * 4);
  });

  it("a refused FLOW_MOD comes back as an ERROR carrying the start of the request", async () => {
    // goto_table may only go forward: table 3 to table 1 is refused.
    const bad = flowModFromText("table=3,priority=1,actions=goto_table:1", { xid: conn.nextXid() });
    const err = await conn.request(bad, "error");
    keep("error", bytesOf(err));
    expect(err.type).toBe("error");
    expect(err.errorType).toBe(OFPET.BAD_INSTRUCTION);
    expect(Buffer.from(err.data).equals(encode(bad).subarray(0, err.data.length))).toBe(true);
    // OVS's FLOW_REMOVED on a delete with SEND_FLOW_REM.
    conn.send({ ...flowModFromText("table=9,priority=9,send_flow_rem,in_port=7,actions=drop", { xid: conn.nextXid() }) });
    conn.send(flowModFromText("table=9,in_port=7", { xid: conn.nextXid(), command: OFPFC.DELETE }));
    const fr = (await conn.wait((m) => m.type === "flow_removed", "FLOW_REMOVED")) as MessageOf<"flow_removed">;
    keep("flow_removed", bytesOf(fr));
    expect(fr).toMatchObject({ tableId: 9, priority: 9, match: { in_port: 7 } });
  });

  it("everything the switch sent decodes and re-encodes to the same bytes", () => {
    expect(conn.inbox.length).toBeGreaterThan(20);
    for (const { msg, bytes } of conn.inbox) expect(encode(msg).toString("hex"), msg.type).toBe(bytes.toString("hex"));
  });
});
