#!/usr/bin/env node
// The `vnet` command. Every file in ./commands exports `register(program)`, so each concern adds its
// own sub-commands without touching this file.
//
// Start-up loads only the module of the command being run when its file bears the command's name
// (`vnet controller` → commands/controller.ts): `vnet controller` must stay small in memory with a
// thousand switches, and must not pay for the API server's or the dashboard's modules. Help, and
// commands whose file has another name, load every module.
import { Command } from "commander";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface CommandModule {
  register(program: Command): void;
}

const COMMANDS_DIR = join(dirname(fileURLToPath(import.meta.url)), "commands");

function commandFiles(first: string | undefined): string[] {
  if (first && /^[a-z][a-z0-9-]*$/.test(first) && existsSync(join(COMMANDS_DIR, `${first}.ts`))) {
    return [`${first}.ts`];
  }
  return readdirSync(COMMANDS_DIR)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .sort();
}

async function main(argv: string[]): Promise<void> {
  const program = new Command("vnet")
    .description("vnet: virtual networks for KVM hosts over OpenFlow 1.3 and Linux bridges")
    .showHelpAfterError();
  for (const file of commandFiles(argv[2])) {
    const mod = (await import(pathToFileURL(join(COMMANDS_DIR, file)).href)) as Partial<CommandModule>;
    if (typeof mod.register === "function") mod.register(program);
  }
  await program.parseAsync(argv);
}

// `vnet ofp-print ... | head` closes the pipe early: that is the reader being done, not an error
// worth a stack trace.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`vnet: ${message}\n`);
  process.exit(1);
});
