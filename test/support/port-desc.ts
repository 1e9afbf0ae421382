// A switch port as PORT_DESC/PORT_STATUS describe it, for tests: only what a test names differs
// from a plain live port.
import { OFPPS, type PortDesc } from "../../openflow";

export function testPort(portNo: number, over: Partial<PortDesc> = {}): PortDesc {
  return {
    portNo,
    hwAddr: `02:00:00:00:00:${portNo.toString(16).padStart(2, "0")}`,
    name: `p${portNo}`,
    config: 0,
    state: OFPPS.LIVE,
    curr: 0,
    advertised: 0,
    supported: 0,
    peer: 0,
    currSpeed: 0,
    maxSpeed: 0,
    ...over,
  };
}
