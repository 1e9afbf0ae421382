import { describe, expect, it } from "vitest";
import { OFPMPF_REPLY_MORE, OFPPR, OFPPS } from "../../../openflow";
import type { MultipartReply, PortDesc } from "../../../openflow";
import { hasMore, mergeMultipart } from "../../../src/controller/multipart";
import { applyPortStatus, isLinkUp, portTableFrom } from "../../../src/controller/ports";
import { testPort } from "../../support/port-desc";

// State 0 unless a test says otherwise: these tests read link state bit by bit.
const port = (portNo: number, state = 0): PortDesc => testPort(portNo, { state });

describe("mergeMultipart", () => {
  it("concatenates the entries of every part, in order, and clears REPLY_MORE", () => {
    const parts: MultipartReply[] = [
      { type: "multipart_reply", xid: 9, flags: OFPMPF_REPLY_MORE, kind: "port_desc", ports: [port(1), port(2)] },
      { type: "multipart_reply", xid: 9, flags: OFPMPF_REPLY_MORE, kind: "port_desc", ports: [port(3)] },
      { type: "multipart_reply", xid: 9, flags: 0, kind: "port_desc", ports: [port(4)] },
    ];
    expect(parts.map(hasMore)).toEqual([true, true, false]);
    const merged = mergeMultipart(parts);
    expect(merged.flags).toBe(0);
    expect(merged.kind === "port_desc" && merged.ports.map((p) => p.portNo)).toEqual([1, 2, 3, 4]);
  });

  it("refuses parts of different kinds", () => {
    expect(() =>
      mergeMultipart([
        { type: "multipart_reply", xid: 3, flags: OFPMPF_REPLY_MORE, kind: "port_desc", ports: [] },
        { type: "multipart_reply", xid: 3, flags: 0, kind: "flow", flows: [] },
      ]),
    ).toThrow("multipart reply xid 3: part 1 is flow, expected port_desc");
  });
});

describe("port table", () => {
  const table = portTableFrom([port(1), port(2)]);

  it("adds, modifies and deletes ports without touching the previous table", () => {
    const added = applyPortStatus(table, { type: "port_status", xid: 0, reason: OFPPR.ADD, desc: port(3) });
    expect(added.change).toBe("added");
    expect([...added.table.keys()]).toEqual([1, 2, 3]);
    const down = applyPortStatus(added.table, { type: "port_status", xid: 0, reason: OFPPR.MODIFY, desc: port(2, OFPPS.LINK_DOWN) });
    expect(down.change).toBe("modified");
    expect(isLinkUp(down.table.get(2)!)).toBe(false);
    const deleted = applyPortStatus(down.table, { type: "port_status", xid: 0, reason: OFPPR.DELETE, desc: port(1) });
    expect(deleted.change).toBe("deleted");
    expect([...deleted.table.keys()]).toEqual([2, 3]);
    expect([...table.keys()]).toEqual([1, 2]);
  });
});
