// The dashboard's small pure decisions: graph labels that fit, VM buttons that make sense.
import { describe, expect, it } from "vitest";
import { shortName, switchOrder, vmActions } from "../../../web/src/rows";

describe("shortName", () => {
  it("keeps short names and cuts long ones to the limit with an ellipsis", () => {
    expect(shortName("red1")).toBe("red1");
    expect(shortName("a".repeat(16))).toBe("a".repeat(16));
    const cut = shortName("averyveryverylongvmname");
    expect(cut).toHaveLength(16);
    expect(cut.endsWith("…")).toBe(true);
    expect(cut.startsWith("averyveryverylo")).toBe(true);
  });
});

describe("vmActions", () => {
  it("offers Stop and Reboot but not Start on a running VM", () => {
    expect(vmActions("running")).toEqual(["stop", "reboot", "delete"]);
  });
  it("offers Start but neither Stop nor Reboot on a stopped or never-started VM", () => {
    expect(vmActions("stopped")).toEqual(["start", "delete"]);
    expect(vmActions("defined")).toEqual(["start", "delete"]);
  });
  it("lets a failed VM be retried or stopped", () => {
    expect(vmActions("error")).toEqual(["start", "stop", "delete"]);
  });
});

describe("switchOrder", () => {
  it("orders switches by host name, numbers as numbers, then by datapath id", () => {
    const sws = [
      ["h2", "0000000000000001"],
      ["h10", "0000000000000000"],
      ["h1", "ffff000000000000"],
      ["h1", "00000000000000aa"],
    ] as const;
    const sorted = [...sws].sort((a, b) => switchOrder(a[0], a[1], b[0], b[1]));
    expect(sorted.map((s) => `${s[0]}/${s[1].slice(-2)}`)).toEqual(["h1/aa", "h1/00", "h2/01", "h10/00"]);
  });
});
