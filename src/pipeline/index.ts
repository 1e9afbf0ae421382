// The OVS flow pipeline: tables, cookies, the pure compile and the diff.
export * from "./tables";
export * from "./cookie";
export * from "./metadata";
export * from "./flow";
export * from "./compile";
export * from "./diff";
export * from "./interpreter";
export * from "./trace";
