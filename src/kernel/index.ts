// The kernel-bridge backend: import from here.
export { compile } from "./compile";
export { diff, describeOp, type Op, type Observed, type DiffResult } from "./diff";
export { KernelRealiser, type HostReport, type RealiserOptions } from "./realiser";
export { KernelAgentClient, type AgentOptions } from "./agent/client";
export type { ApplyReport, AgentEvent, Methods } from "./agent/protocol";
export {
  portIfName, overlayBridgeName, providerBridgeName, vxlanName, vlanIfName, ALL_CAPS, VXLAN_PORT,
  type KernelCaps, type LinkSet, type OwnedLink, type Attachment, type FdbEntry, type PortGuard, type DhcpScope, type Problem,
} from "./linkset";
export { guardRuleset, GUARD_TABLE } from "./nft";
export { Rtnl } from "./netlink/socket";
export { KernelError } from "./netlink/errors";
