// Running the system tools the lab drives (ip, ovsdb-tool, ovs-vsctl, dnsmasq, ethtool): one small
// promise wrapper whose errors say which command failed and what it printed.

import { execFile } from "node:child_process";

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export class CommandError extends Error {
  override name = "CommandError";
  constructor(
    readonly argv: readonly string[],
    readonly result: RunResult,
  ) {
    super(`command failed (exit ${result.code}): ${argv.join(" ")}${result.stderr.trim() ? `: ${result.stderr.trim()}` : ""}`);
  }
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  input?: string;
}

/** Runs a command; never rejects: the exit code is in the result. */
export function tryRun(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      argv[0]!,
      argv.slice(1),
      { env: options.env ?? process.env, timeout: options.timeoutMs ?? 20_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        let code = 0;
        if (error) {
          const e = error as NodeJS.ErrnoException & { code?: unknown };
          code = typeof e.code === "number" ? e.code : 127;
          if (typeof e.code === "string") stderr = `${stderr}${e.message}`;
        }
        resolve({ stdout: String(stdout), stderr: String(stderr), code });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs a command; rejects with CommandError on a non-zero exit. */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<string> {
  const result = await tryRun(argv, options);
  if (result.code !== 0) throw new CommandError(argv, result);
  return result.stdout;
}

/** The argv prefix that runs a command inside a network namespace. */
export function inNetns(netns: string | undefined, argv: readonly string[]): string[] {
  return netns ? ["ip", "netns", "exec", netns, ...argv] : [...argv];
}
