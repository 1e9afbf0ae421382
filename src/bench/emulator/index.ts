// A cbench-like load generator: N emulated OpenFlow 1.3 switches against one controller.
export { Fleet, percentile } from "./fleet";
export type { LatencyResult, ThroughputResult } from "./fleet";
export { EmulatedSwitch } from "./switch";
export type { LoadMode } from "./switch";
export { HeaderScanner } from "./scanner";
export { packetInTemplate, replyTo, UNKNOWN_DST } from "./frames";
