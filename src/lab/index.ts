// `vnet lab`: simulated hosts (namespaces with their own OVS) on one machine. See docs/lab.md.
export { labUp, labDown, labStatus, allLabStatus, Lab, LabError, type LabUpOptions, type LabStatus, type HostStatus } from "./lab";
export { attachEndpoint, detachEndpoint, addLinuxBridge, removeLinuxBridge, type Endpoint, type EndpointOptions } from "./endpoint";
export { planLab, CONTROLLER_PORT, OVSDB_PORT, type LabPlan, type HostPlan, type UnderlayMode } from "./plan";
export { readState, listLabs, runRoot, type LabState, type EndpointState } from "./state";
export { startOvsdbServer, startVswitchd, stopOvs, vsctl, appctl, ovsPaths } from "./ovs";
export { run, tryRun, inNetns, CommandError, type RunResult } from "./exec";
export { writePrivateResolvConf, removePrivateResolvConf, privateResolvConfs, netnsExists, resolvConfPath } from "./netns";
