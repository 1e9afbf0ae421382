import type { Static } from "@sinclair/typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { nextFreeVni } from "../../model/ipam";
import type { Network as ModelNetwork, NetworkKind } from "../../model/types";
import { newId } from "../../inventory/secrets";
import type { InventoryState } from "../../inventory/types";
import { requirePrincipal, type Principal } from "../auth";
import { ApiError, fromValidation } from "../errors";
import { Network, NetworkCreate, NetworkListQuery, NetworkUpdate, RefParams, errorResponses } from "../schemas";
import { findNetwork, findTenant, networkView, visibleTenantId } from "../views";

/** The tenant a write applies to: a tenant token's own (naming another is a 404), or the admin's pick. */
export function tenantForWrite(app: FastifyInstance, p: Principal, ref: string | undefined): string {
  const state = app.store.state();
  if (ref !== undefined) return findTenant(state, p, ref).id;
  if (p.role === "tenant" && p.tenantId) return p.tenantId;
  throw new ApiError(422, "validation_failed", "tenant is required", [{ path: "tenant", code: "required", message: "tenant is required" }]);
}

/** The names of the VMs with a NIC on a network (what blocks its deletion), each once. */
export function networkUsers(state: InventoryState, networkId: string): string[] {
  const vmIds = new Set(state.model.ports.filter((p) => p.networkId === networkId && p.vmId).map((p) => p.vmId!));
  return state.vms.filter((v) => vmIds.has(v.id)).map((v) => v.name);
}

export async function networkRoutes(app: FastifyInstance): Promise<void> {
  const tags = ["networks"];

  app.get<{ Querystring: Static<typeof NetworkListQuery> }>(
    "/api/networks",
    { schema: { tags, summary: "List networks (a tenant token sees its own)", querystring: NetworkListQuery, response: { 200: Type.Array(Network), ...errorResponses } } },
    async (request) => {
      const p = requirePrincipal(request);
      const state = app.store.state();
      const scope = visibleTenantId(p);
      const only = request.query.tenant !== undefined ? findTenant(state, p, request.query.tenant).id : null;
      return state.model.networks
        .filter((n) => (scope === null || n.tenantId === scope) && (only === null || n.tenantId === only))
        .map((n) => networkView(state, n));
    },
  );

  app.post<{ Body: Static<typeof NetworkCreate> }>(
    "/api/networks",
    { schema: { tags, summary: "Create a network", body: NetworkCreate, response: { 201: Network, ...errorResponses } } },
    async (request, reply) => {
      const p = requirePrincipal(request);
      const b = request.body;
      const tenantId = tenantForWrite(app, p, b.tenant);
      const kind = (b.kind ?? "overlay") as NetworkKind;
      const state = app.store.state();
      const network: ModelNetwork = {
        id: newId("net"),
        tenantId,
        name: b.name,
        kind,
        // No free VNI left: null, which the model's rules refuse with a message naming the field.
        segmentationId: b.segmentationId !== undefined ? b.segmentationId : kind === "overlay" ? nextFreeVni(state.model) : null,
        subnet: b.subnet,
        gateway: b.gateway ?? null,
        dhcpRange: b.dhcpRange ?? null,
        dns: b.dns ?? [],
        ...(b.leaseSeconds !== undefined ? { leaseSeconds: b.leaseSeconds } : {}),
        ...(b.mtu !== undefined ? { mtu: b.mtu } : {}),
      };
      const r = app.store.commit([{ op: "add_network", network }]);
      if (!r.ok) throw fromValidation(r.errors);
      return reply.status(201).send(networkView(r.value, network));
    },
  );

  app.get<{ Params: Static<typeof RefParams> }>(
    "/api/networks/:ref",
    { schema: { tags, summary: "One network", params: RefParams, response: { 200: Network, ...errorResponses } } },
    async (request) => {
      const state = app.store.state();
      return networkView(state, findNetwork(state, requirePrincipal(request), request.params.ref));
    },
  );

  app.patch<{ Params: Static<typeof RefParams>; Body: Static<typeof NetworkUpdate> }>(
    "/api/networks/:ref",
    { schema: { tags, summary: "Change a network (name, segment, subnet, gateway, DHCP range, DNS, lease, MTU)", params: RefParams, body: NetworkUpdate, response: { 200: Network, ...errorResponses } } },
    async (request) => {
      const current = findNetwork(app.store.state(), requirePrincipal(request), request.params.ref);
      const network: ModelNetwork = { ...current, ...request.body } as ModelNetwork;
      const r = app.store.commit([{ op: "update_network", network }]);
      if (!r.ok) throw fromValidation(r.errors);
      return networkView(r.value, network);
    },
  );

  app.delete<{ Params: Static<typeof RefParams> }>(
    "/api/networks/:ref",
    { schema: { tags, summary: "Delete a network (refused while VM NICs use it)", params: RefParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const state = app.store.state();
      const n = findNetwork(state, requirePrincipal(request), request.params.ref);
      const users = networkUsers(state, n.id);
      if (users.length) {
        const message = `network "${n.name}" is still used by ${users.length === 1 ? "VM" : "VMs"} ${users.join(", ")}: delete them or move their NICs to another network first`;
        throw new ApiError(409, "in_use", message, [{ path: "id", code: "in_use", message }]);
      }
      const r = app.store.commit([{ op: "remove_network", id: n.id }]);
      if (!r.ok) throw fromValidation(r.errors);
      return reply.status(204).send();
    },
  );
}
