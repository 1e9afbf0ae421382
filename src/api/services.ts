// The app's services, available to every route as decorators (fastify.store, fastify.live, ...).
import type { InventoryStore } from "../inventory/types";
import type { LiveView } from "../live/view";
import type { Tracer } from "./tracer";
import type { VmDriverResolver } from "./vm-driver";

export interface Services {
  store: InventoryStore;
  live: LiveView;
  drivers: VmDriverResolver;
  tracer: Tracer | undefined;
}

declare module "fastify" {
  interface FastifyInstance extends Services {}
}
