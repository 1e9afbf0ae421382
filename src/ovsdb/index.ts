// The OVSDB client, by layer: framing (stream -> JSON texts), jsonrpc (calls), session (connection
// state machine), replica (monitored tables), ops/results (transactions), client (all together),
// vswitch (typed Open_vSwitch helpers and events).
export * from "./framing";
export * from "./datum";
export * from "./schema";
export * from "./target";
export * from "./jsonrpc";
export * from "./session";
export * from "./replica";
export * from "./ops";
export * from "./results";
export * from "./client";
export * from "./vswitch";
