// The dashboard's small pure decisions: graph labels that fit, VM buttons that make sense.
import { describe, expect, it } from "vitest";
import { shortName, vmActions } from "../../../web/src/rows";

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
