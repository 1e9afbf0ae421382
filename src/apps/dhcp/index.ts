// The pure DHCP server (RFC 2131) the controller runs for overlay networks.
export * from "./message";
export * from "./server";
