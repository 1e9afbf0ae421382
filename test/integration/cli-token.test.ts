// `vnet token` and `vnet serve --data-dir` against real directories: a read-only command in a
// mistyped data directory says so instead of creating an empty inventory there, and a data
// directory that cannot be made is refused at once (Node's own recursive mkdir would spin forever).
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(__dirname, "../..");
const vnet = (args: string[]) =>
  promisify(execFile)(join(root, "node_modules/.bin/tsx"), [join(root, "src/cli/main.ts"), ...args], { env: { ...process.env, VNET_LOG_LEVEL: "silent" }, timeout: 30_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" }),
  );

describe("vnet token and the data directory", () => {
  const base = mkdtempSync(join(tmpdir(), "qa-cli-token-"));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it("refuses to list or revoke in a directory without an inventory, and creates nothing", async () => {
    const missing = join(base, "typo");
    for (const args of [["token", "list"], ["token", "revoke", "tok-x"]]) {
      const r = await vnet([...args, "--data-dir", missing]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`no inventory in ${missing}`);
    }
    expect(existsSync(missing)).toBe(false);
  });

  it("lists the token it created, and says so when there is none", async () => {
    const dir = join(base, "inv");
    const made = await vnet(["token", "create", "--role", "admin", "--name", "ops", "--data-dir", dir]);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/^vnet_\S+\n$/);
    const id = /token (tok-\S+) created/.exec(made.stderr)![1]!;
    expect((await vnet(["token", "list", "--data-dir", dir])).stdout).toMatch(new RegExp(`^${id}\\tadmin\\t-\\tops\\t`));
    expect((await vnet(["token", "revoke", id, "--data-dir", dir])).code).toBe(0);
    expect((await vnet(["token", "list", "--data-dir", dir])).stdout).toMatch(/^no tokens/);
  });

  it("refuses a data directory that cannot be made, at once", async () => {
    const r = await vnet(["token", "create", "--role", "admin", "--data-dir", "/proc/qa-no-such-dir"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot create directory /proc/qa-no-such-dir");
  });
});
