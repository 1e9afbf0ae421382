// The port-security ruleset (pure text) and the parsing of nft's JSON counters.

import { describe, expect, it } from "vitest";
import { guardRuleset, parseDropCounters } from "../../../src/kernel/nft";

const guard = { ifname: "vnp0123456789ab", portId: "p1", mac: "02:00:00:00:00:01", ip: "203.0.113.10", dhcpLocal: true };

describe("guardRuleset", () => {
  it("replaces the table atomically and sends each VM port to its own chain", () => {
    const text = guardRuleset([guard]);
    const lines = text.split("\n");
    expect(lines.slice(0, 2)).toEqual(["table bridge vnet_guard", "delete table bridge vnet_guard"]);
    expect(text).toContain(`iifname vmap { "vnp0123456789ab" : jump port_vnp0123456789ab }`);
    expect(text).toContain("ether saddr != 02:00:00:00:00:01 counter name \"drop_vnp0123456789ab\" drop");
    expect(text).toContain("arp saddr ip != { 0.0.0.0, 203.0.113.10 }");
    expect(text).toContain("arp saddr ip 0.0.0.0 arp operation != request");
    expect(text).toContain("ether type ip ip saddr 203.0.113.10 accept");
    // Whatever was not accepted above is counted and dropped; IPv6 before that, uncounted.
    const chain = lines.slice(lines.indexOf("  chain port_vnp0123456789ab {"));
    expect(chain.slice(0, chain.indexOf("  }") + 1).slice(-3)).toEqual(["    ether type ip6 drop", '    counter name "drop_vnp0123456789ab" drop', "  }"]);
    // DHCP requests stop at the port (the agent answers there); a VM may not serve DHCP.
    expect(text.indexOf("udp sport 68 udp dport 67 drop")).toBeLessThan(text.indexOf("ip saddr 203.0.113.10 accept"));
    expect(text).toContain("udp sport 67 udp dport 68 counter");
  });

  it("checks only the MAC when the site hands out the address, and lets DHCP through on provider networks", () => {
    const text = guardRuleset([{ ...guard, ip: null, dhcpLocal: false }]);
    expect(text).toContain("ether saddr != 02:00:00:00:00:01");
    expect(text).toContain("ether type ip accept");
    expect(text).not.toContain("ip saddr");
    expect(text).not.toContain("dport 67 drop");
  });

  it("with no guards, leaves no table behind", () => {
    expect(guardRuleset([])).toBe("table bridge vnet_guard\ndelete table bridge vnet_guard\n");
  });

  it("refuses values that would inject nft syntax", () => {
    expect(() => guardRuleset([{ ...guard, ifname: 'x" accept; #' }])).toThrow(/bad interface name/);
    expect(() => guardRuleset([{ ...guard, mac: "02:00:00:00:00:01 accept" }])).toThrow(/bad MAC/);
    expect(() => guardRuleset([{ ...guard, ip: "0.0.0.0/0" }])).toThrow(/bad IPv4/);
  });
});

describe("parseDropCounters", () => {
  it("maps drop counters to interfaces and ignores other objects", () => {
    const json = JSON.stringify({
      nftables: [
        { metainfo: { version: "1.0.6" } },
        { counter: { family: "bridge", name: "drop_vnp0123456789ab", table: "vnet_guard", handle: 2, packets: 7, bytes: 294 } },
        { counter: { family: "bridge", name: "other", table: "vnet_guard", packets: 1, bytes: 1 } },
      ],
    });
    expect(parseDropCounters(json)).toEqual({ vnp0123456789ab: { packets: 7, bytes: 294 } });
  });
  it("says what is wrong with output it cannot read", () => {
    expect(() => parseDropCounters("Error: no such table")).toThrow("nft -j output is not JSON");
    expect(() => parseDropCounters("{}")).toThrow("nft -j output has no nftables array");
  });
});
