// Controller apps for tenant networks: DHCP over PACKET_IN/PACKET_OUT for overlay networks.
export * from "./dhcp";
