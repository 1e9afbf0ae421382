// Starts and stops the API server; nothing else. `vnet serve` and the tests use it.
import type { FastifyInstance } from "fastify";
import { buildApp, type AppOptions } from "./app";

export interface RunningServer {
  app: FastifyInstance;
  /** Base URL, e.g. "http://127.0.0.1:41234". */
  url: string;
  close(): Promise<void>;
}

export async function startServer(opts: AppOptions & { host?: string; port?: number }): Promise<RunningServer> {
  const app = await buildApp(opts);
  await app.listen({ host: opts.host ?? "127.0.0.1", port: opts.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  const host = opts.host && opts.host !== "0.0.0.0" && opts.host !== "::" ? opts.host : "127.0.0.1";
  const url = `${opts.https ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`;
  let closed = false;
  return {
    app,
    url,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}
