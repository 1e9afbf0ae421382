import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataDirLockedError, lockDataDir } from "../../../src/inventory/lock";

describe("lockDataDir", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "wb-lock-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes our pid and removes it on release", () => {
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, "serve.pid"), "utf8").trim()).toBe(String(process.pid));
    release();
    expect(existsSync(join(dir, "serve.pid"))).toBe(false);
  });

  it("refuses while a live process holds it", () => {
    writeFileSync(join(dir, "serve.pid"), "1\n"); // pid 1 is always alive
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    expect(() => lockDataDir(dir)).toThrow(/pid 1/);
    expect(readFileSync(join(dir, "serve.pid"), "utf8").trim()).toBe("1");
  });

  it("takes over a lock left by a process that is gone (kill -9)", () => {
    writeFileSync(join(dir, "serve.pid"), "4194303\n"); // above the default pid_max: never running
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, "serve.pid"), "utf8").trim()).toBe(String(process.pid));
    release();
  });
});
