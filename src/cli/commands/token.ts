// `vnet token create|list|revoke`: API credentials, written straight into the inventory database
// (the server reads tokens from it on every request, so a new token works at once).
import type { Command } from "commander";
import { openInventory } from "../../inventory/sqlite";
import { newId, newSecret } from "../../inventory/secrets";
import type { Role } from "../../inventory/types";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { dataDirOption, resolveDataDir } from "./serve";

/** The inventory of a data directory that must already hold one: listing or revoking in a
 *  mistyped directory would otherwise create an empty inventory there and report "nothing". */
function existingInventory(flag: string | undefined) {
  const dir = resolveDataDir(flag);
  if (!existsSync(join(dir, "vnet.sqlite"))) {
    throw new Error(`no inventory in ${dir}: pass --data-dir (or set VNET_DATA_DIR) to the directory vnet serve uses`);
  }
  return openInventory(dir);
}

export function register(program: Command): void {
  const token = program.command("token").description("API tokens (stored hashed in the inventory)");

  dataDirOption(
    token
      .command("create")
      .description("create a token and print it once")
      .requiredOption("--role <role>", "admin (everything) or tenant (one tenant's networks and VMs)")
      .option("--tenant <tenant>", "tenant id or name (with --role tenant)")
      .option("--name <name>", "a label to recognise the token by"),
  ).action((opts: { role: string; tenant?: string; name?: string; dataDir?: string }) => {
    if (opts.role !== "admin" && opts.role !== "tenant") throw new Error(`--role must be admin or tenant (got "${opts.role}")`);
    if (opts.role === "tenant" && !opts.tenant) throw new Error("--role tenant needs --tenant");
    if (opts.role === "admin" && opts.tenant) throw new Error("--tenant goes with --role tenant only");
    const store = openInventory(resolveDataDir(opts.dataDir));
    try {
      let tenantId: string | null = null;
      if (opts.tenant) {
        const t = store.state().model.tenants.find((x) => x.id === opts.tenant || x.name === opts.tenant);
        if (!t) throw new Error(`no tenant "${opts.tenant}" (create it first: vnet tenant add ${opts.tenant})`);
        tenantId = t.id;
      }
      const secret = newSecret();
      const id = newId("tok");
      store.addToken({ id, name: opts.name ?? `${opts.role}${opts.tenant ? `-${opts.tenant}` : ""}`, role: opts.role as Role, tenantId, createdAt: new Date().toISOString() }, secret);
      process.stdout.write(`${secret}\n`);
      process.stderr.write(`token ${id} created (role ${opts.role}${opts.tenant ? `, tenant ${opts.tenant}` : ""}); it is shown only once\n`);
    } finally {
      store.close();
    }
  });

  dataDirOption(token.command("list").description("list tokens (never their secrets)").option("--json", "JSON output")).action(
    (opts: { dataDir?: string; json?: boolean }) => {
      const store = existingInventory(opts.dataDir);
      try {
        const tokens = store.listTokens();
        if (opts.json) process.stdout.write(JSON.stringify(tokens, null, 2) + "\n");
        else if (tokens.length === 0) process.stdout.write("no tokens (vnet token create --role admin makes one)\n");
        else for (const t of tokens) process.stdout.write(`${t.id}\t${t.role}\t${t.tenantId ?? "-"}\t${t.name}\t${t.createdAt}\n`);
      } finally {
        store.close();
      }
    },
  );

  dataDirOption(token.command("revoke <id>").description("revoke a token (and its browser sessions)")).action((id: string, opts: { dataDir?: string }) => {
    const store = existingInventory(opts.dataDir);
    try {
      if (!store.removeToken(id)) throw new Error(`no token "${id}"`);
    } finally {
      store.close();
    }
  });
}
