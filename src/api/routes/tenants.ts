import type { Static } from "@sinclair/typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { newId } from "../../inventory/secrets";
import { requireAdmin, requirePrincipal } from "../auth";
import { fromValidation } from "../errors";
import { RefParams, Tenant, TenantCreate, errorResponses } from "../schemas";
import { findTenant, visibleTenantId } from "../views";

export async function tenantRoutes(app: FastifyInstance): Promise<void> {
  const tags = ["tenants"];

  app.get("/api/tenants", { schema: { tags, summary: "List tenants (a tenant token sees its own)", response: { 200: Type.Array(Tenant), ...errorResponses } } }, async (request) => {
    const scope = visibleTenantId(requirePrincipal(request));
    return app.store.state().model.tenants.filter((t) => scope === null || t.id === scope);
  });

  app.post<{ Body: Static<typeof TenantCreate> }>(
    "/api/tenants",
    { schema: { tags, summary: "Create a tenant (admin)", body: TenantCreate, response: { 201: Tenant, ...errorResponses } } },
    async (request, reply) => {
      requireAdmin(request);
      const tenant = { id: newId("tenant"), name: request.body.name };
      const r = app.store.commit([{ op: "add_tenant", tenant }]);
      if (!r.ok) throw fromValidation(r.errors);
      return reply.status(201).send(tenant);
    },
  );

  app.get<{ Params: Static<typeof RefParams> }>(
    "/api/tenants/:ref",
    { schema: { tags, summary: "One tenant", params: RefParams, response: { 200: Tenant, ...errorResponses } } },
    async (request) => findTenant(app.store.state(), requirePrincipal(request), request.params.ref),
  );

  app.delete<{ Params: Static<typeof RefParams> }>(
    "/api/tenants/:ref",
    { schema: { tags, summary: "Delete a tenant (admin; refused while it has networks or VMs). Its tokens and sessions are revoked with it", params: RefParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const p = requireAdmin(request);
      const t = findTenant(app.store.state(), p, request.params.ref);
      const r = app.store.commit([{ op: "remove_tenant", id: t.id }]);
      if (!r.ok) throw fromValidation(r.errors);
      return reply.status(204).send();
    },
  );
}
