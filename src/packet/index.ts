// Pure frame building and parsing (Ethernet, 802.1Q, ARP, IPv4, UDP) and address arithmetic.
export * from "./addr";
export * from "./frame";
