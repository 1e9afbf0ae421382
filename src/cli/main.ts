#!/usr/bin/env node
// The `vnet` command. Every file in ./commands exports `register(program)`, so each concern adds its
// own sub-commands without touching this file.
import { Command } from "commander";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface CommandModule {
  register(program: Command): void;
}

async function main(argv: string[]): Promise<void> {
  const program = new Command("vnet")
    .description("vnet: virtual networks for KVM hosts over OpenFlow 1.3 and Linux bridges")
    .showHelpAfterError();
  const dir = join(dirname(fileURLToPath(import.meta.url)), "commands");
  const files = readdirSync(dir).filter((f) => /\.ts$/.test(f) && !f.endsWith(".test.ts")).sort();
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as Partial<CommandModule>;
    if (typeof mod.register === "function") mod.register(program);
  }
  await program.parseAsync(argv);
}

main(process.argv).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`vnet: ${message}\n`);
  process.exit(1);
});
