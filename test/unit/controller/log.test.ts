// src/log.ts: JSON lines on stderr with the module name and bindings on every line, the level from
// VNET_LOG_LEVEL, and a warning (not a crash) for a level it does not know.
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const script = `
  import { createLogger } from "./src/log.ts";
  const log = createLogger("ctl", { dpid: "0000000000000001" });
  log.child({ peer: "127.0.0.1:1" }).info("switch up");
  log.debug("hidden at info");
`;

async function linesWith(level: string | undefined): Promise<Record<string, unknown>[]> {
  const env = { ...process.env, VNET_LOG_LEVEL: level };
  if (level === undefined) delete env.VNET_LOG_LEVEL;
  const { stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root, env });
  return stderr.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("createLogger", () => {
  it("writes JSON lines carrying the name and every binding, at info by default", async () => {
    const lines = await linesWith(undefined);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, name: "ctl", dpid: "0000000000000001", peer: "127.0.0.1:1", msg: "switch up" });
  });

  it("takes the level from VNET_LOG_LEVEL", async () => {
    expect((await linesWith("debug")).map((l) => l.msg)).toEqual(["switch up", "hidden at info"]);
    expect(await linesWith("silent")).toEqual([]);
  });

  it("warns about an unknown level and keeps logging at info", async () => {
    const lines = await linesWith("loud");
    expect(lines.map((l) => l.msg)).toEqual(["unknown log level in VNET_LOG_LEVEL, using info", "switch up"]);
  });
});
