import type { Static } from "@sinclair/typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Host as ModelHost, HostBackend } from "../../model/types";
import { newId } from "../../inventory/secrets";
import { forceRemoveHostChanges } from "../../inventory/state";
import { requireAdmin, requirePrincipal } from "../auth";
import { ApiError, fromValidation } from "../errors";
import { ForceQuery, Host, HostCreate, HostUpdate, RefParams, errorResponses } from "../schemas";
import { findHost, hostView } from "../views";

export async function hostRoutes(app: FastifyInstance): Promise<void> {
  const tags = ["hosts"];
  const liveHost = (name: string) => app.live.currentTopology().hosts.find((h) => h.name === name);

  app.get(
    "/api/hosts",
    { schema: { tags, summary: "List hosts with live status (tenant tokens see names only)", response: { 200: Type.Array(Host), ...errorResponses } } },
    async (request) => {
      const p = requirePrincipal(request);
      const state = app.store.state();
      return state.model.hosts.map((h) => hostView(state, h, liveHost(h.name), p));
    },
  );

  app.post<{ Body: Static<typeof HostCreate> }>(
    "/api/hosts",
    { schema: { tags, summary: "Register a host (admin)", body: HostCreate, response: { 201: Host, ...errorResponses } } },
    async (request, reply) => {
      const p = requireAdmin(request);
      const b = request.body;
      const host: ModelHost = {
        id: newId("host"),
        name: b.name,
        managementAddress: b.managementAddress,
        ovsdbTarget: b.ovsdbTarget,
        backend: b.backend as HostBackend, // the model's validation names the allowed values
        tunnelIp: b.tunnelIp ?? null,
        uplink: b.uplink ?? null,
        libvirtUri: b.libvirtUri ?? null,
      };
      const r = app.store.commit([{ op: "add_host", host }]);
      if (!r.ok) throw fromValidation(r.errors);
      return reply.status(201).send(hostView(r.value, host, liveHost(host.name), p));
    },
  );

  app.get<{ Params: Static<typeof RefParams> }>(
    "/api/hosts/:ref",
    { schema: { tags, summary: "One host with live status and counts", params: RefParams, response: { 200: Host, ...errorResponses } } },
    async (request) => {
      const p = requirePrincipal(request);
      const state = app.store.state();
      const h = findHost(state, request.params.ref);
      return hostView(state, h, liveHost(h.name), p);
    },
  );

  app.patch<{ Params: Static<typeof RefParams>; Body: Static<typeof HostUpdate> }>(
    "/api/hosts/:ref",
    { schema: { tags, summary: "Change a host's addresses, backend or libvirt URI (admin)", params: RefParams, body: HostUpdate, response: { 200: Host, ...errorResponses } } },
    async (request) => {
      const p = requireAdmin(request);
      const current = findHost(app.store.state(), request.params.ref);
      const host = { ...current, ...request.body } as ModelHost;
      const r = app.store.commit([{ op: "update_host", host }]);
      if (!r.ok) throw fromValidation(r.errors);
      return hostView(r.value, host, liveHost(host.name), p);
    },
  );

  app.delete<{ Params: Static<typeof RefParams>; Querystring: Static<typeof ForceQuery> }>(
    "/api/hosts/:ref",
    {
      schema: {
        tags,
        summary: "Unregister a host (admin; refused while VMs live there unless force=true, which forgets them)",
        params: RefParams,
        querystring: ForceQuery,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const state = app.store.state();
      const h = findHost(state, request.params.ref);
      const vms = state.vms.filter((v) => v.hostId === h.id);
      if (vms.length > 0 && !request.query.force) {
        throw new ApiError(409, "in_use", `host "${h.name}" still has ${vms.length} VM(s) (${vms.map((v) => v.name).join(", ")}); stop and delete them, or force it (?force=true; vnet host rm --force)`);
      }
      const r = app.store.commit(request.query.force ? forceRemoveHostChanges(state, h.id) : [{ op: "remove_host", id: h.id }]);
      if (!r.ok) throw fromValidation(r.errors);
      return reply.status(204).send();
    },
  );
}
