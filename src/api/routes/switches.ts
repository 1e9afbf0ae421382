// Observed state: switches with their ports, live flow tables, groups and port counters, the
// topology, and the "why" trace. Everything is read from the live view and filtered by audience.
import type { Static } from "@sinclair/typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { filterFlows, filterPorts, filterTopology, visiblePorts, type Audience } from "../../live/audience";
import { flowText } from "../../live/text";
import { requirePrincipal, type Principal } from "../auth";
import { ApiError, notFound } from "../errors";
import { ErrorResponse, DpidParams, Flow, FlowQuery, Group, PortCounters, Switch, Topology, TraceBody, TraceResult, errorResponses } from "../schemas";
import { findVm } from "../views";

export function audienceOf(app: FastifyInstance, p: Principal): Audience {
  if (p.role === "admin") return { role: "admin" };
  const tenant = app.store.state().model.tenants.find((t) => t.id === p.tenantId)?.name;
  // A token whose tenant was deleted sees nothing: no tenant name matches this.
  return { role: "tenant", tenant: tenant ?? "\u0000deleted" };
}

/** Accepts "0x1", "1" or 16 hex digits; live view keys are 16 lower-case hex digits. */
export function normaliseDpid(raw: string): string {
  const hex = raw.toLowerCase().replace(/^0x/, "").replace(/:/g, "");
  if (!/^[0-9a-f]{1,16}$/.test(hex)) throw new ApiError(400, "bad_request", `"${raw}" is not a datapath id (up to 16 hex digits)`);
  return hex.padStart(16, "0");
}

export async function switchRoutes(app: FastifyInstance): Promise<void> {
  const tags = ["switches"];

  const visibleSwitch = (p: Principal, raw: string) => {
    const dpid = normaliseDpid(raw);
    const audience = audienceOf(app, p);
    const sw = filterTopology(app.live.currentTopology(), audience).switches.find((s) => s.dpid === dpid);
    if (!sw) throw notFound("switch", raw);
    return { sw, audience };
  };

  app.get("/api/topology", { schema: { tags, summary: "The live topology the caller may see", response: { 200: Topology, ...errorResponses } } }, async (request) =>
    filterTopology(app.live.currentTopology(), audienceOf(app, requirePrincipal(request))),
  );

  app.get(
    "/api/switches",
    { schema: { tags, summary: "Switches seen by the controller, with their ports", response: { 200: Type.Array(Switch), ...errorResponses } } },
    async (request) => filterTopology(app.live.currentTopology(), audienceOf(app, requirePrincipal(request))).switches,
  );

  app.get<{ Params: Static<typeof DpidParams> }>(
    "/api/switches/:dpid",
    { schema: { tags, summary: "One switch", params: DpidParams, response: { 200: Switch, ...errorResponses } } },
    async (request) => visibleSwitch(requirePrincipal(request), request.params.dpid).sw,
  );

  app.get<{ Params: Static<typeof DpidParams>; Querystring: Static<typeof FlowQuery> }>(
    "/api/switches/:dpid/flows",
    {
      schema: {
        tags,
        summary: "The switch's live flow table (ovs-ofctl text, counters, rates), filterable by table, tenant, VM",
        params: DpidParams,
        querystring: FlowQuery,
        response: { 200: Type.Array(Flow), ...errorResponses },
      },
    },
    async (request) => {
      const { sw, audience } = visibleSwitch(requirePrincipal(request), request.params.dpid);
      const q = request.query;
      return filterFlows(app.live.flows(sw.dpid) ?? [], audience)
        .filter((f) => (q.table === undefined || f.tableId === q.table) && (q.tenant === undefined || f.tenant === q.tenant) && (q.vm === undefined || f.vm === q.vm))
        .map((f) => ({ ...f, text: flowText(f) }));
    },
  );

  app.get<{ Params: Static<typeof DpidParams> }>(
    "/api/switches/:dpid/groups",
    { schema: { tags, summary: "The switch's groups (admin only: groups are shared)", params: DpidParams, response: { 200: Type.Array(Group), ...errorResponses } } },
    async (request) => {
      const { sw, audience } = visibleSwitch(requirePrincipal(request), request.params.dpid);
      return audience.role === "admin" ? (app.live.groups(sw.dpid) ?? []) : [];
    },
  );

  app.get<{ Params: Static<typeof DpidParams> }>(
    "/api/switches/:dpid/ports",
    { schema: { tags, summary: "Port counters and rates", params: DpidParams, response: { 200: Type.Array(PortCounters), ...errorResponses } } },
    async (request) => {
      const { sw, audience } = visibleSwitch(requirePrincipal(request), request.params.dpid);
      return filterPorts(app.live.ports(sw.dpid) ?? [], visiblePorts(app.live.currentTopology(), sw.dpid, audience));
    },
  );

  app.post<{ Body: Static<typeof TraceBody> }>(
    "/api/trace",
    { schema: { tags, summary: "Why: trace a packet from one VM to another through the pipeline", body: TraceBody, response: { 200: TraceResult, ...errorResponses, 501: ErrorResponse } } },
    async (request) => {
      const p = requirePrincipal(request);
      const state = app.store.state();
      const from = findVm(state, p, request.body.from);
      const to = findVm(state, p, request.body.to);
      if (!app.tracer) throw new ApiError(501, "trace_unavailable", "this server has no pipeline tracer configured");
      return app.tracer.trace({ fromVm: from.id, toVm: to.id, protocol: request.body.protocol ?? "icmp", ...(request.body.dstPort ? { dstPort: request.body.dstPort } : {}) });
    },
  );
}
