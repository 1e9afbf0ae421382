// The tenant model: types, validation, IPAM. Import from here.
export * from "./types";
export * from "./validate";
export * from "./ipam";
