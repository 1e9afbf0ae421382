// The dashboard: web/src/*.ts bundled by esbuild into web/dist (git-ignored) when the server
// starts, and served with web/public (HTML, CSS) by @fastify/static. Building at start keeps one
// source of truth and takes well under a second.
import fastifyStatic from "@fastify/static";
import { build } from "esbuild";
import type { FastifyInstance } from "fastify";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../web");

export async function buildDashboard(webRoot = WEB_ROOT): Promise<string> {
  const outdir = join(webRoot, "dist");
  await build({
    entryPoints: [join(webRoot, "src/main.ts")],
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: true,
    sourcemap: true,
    outdir,
    logLevel: "silent",
  });
  return outdir;
}

export async function dashboardPlugin(app: FastifyInstance, opts: { webRoot?: string; build?: boolean }): Promise<void> {
  const webRoot = opts.webRoot ?? WEB_ROOT;
  const dist = join(webRoot, "dist");
  if (opts.build !== false || !existsSync(join(dist, "main.js"))) await buildDashboard(webRoot);
  await app.register(fastifyStatic, { root: [join(webRoot, "public"), dist], prefix: "/", index: "index.html", wildcard: true });
}
