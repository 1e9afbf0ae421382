// The shapes that cross the wire between the server and its clients (the dashboard, scripts),
// derived from the route schemas in schemas.ts. One definition serves the OpenAPI document, the
// response serialisation, the server's code and the browser's: the dashboard imports these as
// types only, which esbuild erases, so no server code reaches the bundle.
import type { Static } from "@sinclair/typebox";
import type * as Schemas from "./schemas";

/** `{ error: { code, message, details? } }`: every error answer. */
export type ErrorBody = Static<typeof Schemas.ErrorResponse>;
/** One offending field of an error answer. */
export type ErrorDetail = NonNullable<ErrorBody["error"]["details"]>[number];

/** `GET/POST /api/session`: who is calling, and the CSRF token of a cookie session. */
export type SessionInfo = Static<typeof Schemas.Session>;

/** `POST /api/trace`: a packet's path through the pipeline, step by step, and what became of it. */
export type TraceResult = Static<typeof Schemas.TraceResult>;
export type TraceStep = TraceResult["steps"][number];

export type TenantView = Static<typeof Schemas.Tenant>;
export type HostView = Static<typeof Schemas.Host>;
export type NetworkView = Static<typeof Schemas.Network>;
export type VmView = Static<typeof Schemas.Vm>;
export type NicView = VmView["nics"][number];
