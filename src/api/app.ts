// Builds the fastify app from plugins, in order: external plugins, services (decorators), the
// auth hook, routes, the live socket. Starting and stopping are in server.ts.
import fastifyCookie from "@fastify/cookie";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import type { InventoryStore } from "../inventory/types";
import { LiveView } from "../live/view";
import { feedInventory } from "../live/from-inventory";
import { authPlugin } from "./auth";
import { installErrorHandler } from "./errors";
import { metricsPlugin } from "./metrics";
import { benchRoutes } from "./routes/bench";
import { hostRoutes } from "./routes/hosts";
import { networkRoutes } from "./routes/networks";
import { switchRoutes } from "./routes/switches";
import { tenantRoutes } from "./routes/tenants";
import { vmRoutes } from "./routes/vms";
import { ErrorResponse } from "./schemas";
import type {} from "./services";
import { attachLiveSocket } from "./socket";
import type { Tracer } from "./tracer";
import { noDrivers, type VmDriverResolver } from "./vm-driver";
import { dashboardPlugin } from "./web";

export interface AppOptions {
  store: InventoryStore;
  live?: LiveView;
  drivers?: VmDriverResolver;
  tracer?: Tracer;
  /** Serve the dashboard (default true); `buildDashboard: false` reuses web/dist if present. */
  dashboard?: boolean;
  buildDashboard?: boolean;
  /** Set the Secure flag on the session cookie (true when serving HTTPS). */
  secureCookies?: boolean;
  /** Open the socket.io live stream (needs a listening server; default true). */
  liveSocket?: boolean;
  https?: { cert: string | Buffer; key: string | Buffer };
  logger?: FastifyServerOptions["logger"];
  /** The data directory (`serve()` passes its own): the benchmark runs are read from its bench/. */
  dataDir?: string;
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    ...(opts.https ? { https: opts.https } : {}),
    ajv: { customOptions: { coerceTypes: "array", removeAdditional: false, useDefaults: true } },
    bodyLimit: 1 << 20,
  }) as unknown as FastifyInstance;

  installErrorHandler(app);
  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: "vnet API", version: "0.1.0", description: "Hosts, tenants, networks, VMs and the live switches of vnet." },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/docs" });
  app.addSchema(ErrorResponse);

  const live = opts.live ?? new LiveView();
  app.decorate("store", opts.store);
  app.decorate("live", live);
  app.decorate("drivers", opts.drivers ?? noDrivers);
  app.decorate("tracer", opts.tracer);
  const unfeed = feedInventory(opts.store, live);
  app.addHook("onClose", async () => unfeed());

  // Called directly, not registered: their hooks must cover every route (fastify encapsulates
  // hooks added inside a registered plugin).
  await authPlugin(app, { store: opts.store, secureCookies: opts.secureCookies ?? Boolean(opts.https) });
  await metricsPlugin(app);
  app.get("/healthz", { schema: { summary: "Liveness", response: { 200: { type: "object", properties: { ok: { type: "boolean" } } } } } }, async () => ({ ok: true }));
  await app.register(tenantRoutes);
  await app.register(hostRoutes);
  await app.register(networkRoutes);
  await app.register(vmRoutes);
  await app.register(switchRoutes);
  await app.register(benchRoutes, { dataDir: opts.dataDir });
  if (opts.dashboard !== false) await app.register(dashboardPlugin, { build: opts.buildDashboard ?? true });
  if (opts.liveSocket !== false) attachLiveSocket(app);
  return app;
}
