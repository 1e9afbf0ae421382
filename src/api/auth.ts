// Who is calling. Two ways in, one principal out:
// - `Authorization: Bearer vnet_...`: tokens made with `vnet token create`; no CSRF risk because
//   browsers never attach this header on their own.
// - the `vnet_session` cookie the dashboard gets from POST /api/session. It is HttpOnly and
//   SameSite=Strict, and every unsafe request made with it must echo the session's CSRF token in
//   `X-CSRF-Token` (double submit): a cross-site form can neither read nor send that header.
import type {} from "@fastify/cookie";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { InventoryStore, Role, TokenRecord } from "../inventory/types";
import { newId, newSecret } from "../inventory/secrets";
import { ApiError } from "./errors";
import { Type } from "@sinclair/typebox";
import { Session, SessionCreate, errorResponses } from "./schemas";

export const SESSION_COOKIE = "vnet_session";
export const CSRF_HEADER = "x-csrf-token";
const SESSION_DAYS = 7;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface Principal {
  tokenId: string;
  tokenName: string;
  role: Role;
  /** Set for tenant tokens: the only tenant this caller sees. */
  tenantId: string | null;
  via: "bearer" | "cookie";
  csrf?: string;
}

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

function principalFrom(token: TokenRecord, via: Principal["via"], csrf?: string): Principal {
  return { tokenId: token.id, tokenName: token.name, role: token.role, tenantId: token.tenantId, via, ...(csrf ? { csrf } : {}) };
}

/**
 * Resolves a bearer secret or a session cookie to a principal (also used by the socket.io
 * handshake). Deleting a tenant revokes its tokens (the store does it in the same transaction);
 * a tenant token whose tenant is gone anyway (written by another process meanwhile) is refused too.
 */
export function authenticate(store: InventoryStore, bearer: string | undefined, cookie: string | undefined): Principal | null {
  const live = (token: TokenRecord | undefined) =>
    token && (token.role === "admin" || store.state().model.tenants.some((t) => t.id === token.tenantId)) ? token : undefined;
  if (bearer) {
    const token = live(store.tokenBySecret(bearer));
    return token ? principalFrom(token, "bearer") : null;
  }
  if (cookie) {
    const session = store.sessionBySecret(cookie, new Date());
    if (!session) return null;
    const token = live(store.tokenById(session.tokenId));
    return token ? principalFrom(token, "cookie", session.csrf) : null;
  }
  return null;
}

export function bearerOf(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return m?.[1];
}

/** Parses a Cookie header without the cookie plugin (the socket.io handshake has only headers). */
export function cookieFrom(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return undefined;
}

export function requireAdmin(request: FastifyRequest): Principal {
  const p = request.principal;
  if (!p) throw new ApiError(401, "unauthorized", "authentication required");
  if (p.role !== "admin") throw new ApiError(403, "forbidden", "this needs an admin token");
  return p;
}

export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw new ApiError(401, "unauthorized", "authentication required");
  return request.principal;
}

export async function authPlugin(app: FastifyInstance, opts: { store: InventoryStore; secureCookies: boolean }): Promise<void> {
  const { store } = opts;
  app.decorateRequest("principal", null);

  // Every /api route except logging in needs a principal; cookie sessions also need CSRF on writes.
  app.addHook("onRequest", async (request: FastifyRequest) => {
    const path = request.url.split("?")[0]!;
    if (!path.startsWith("/api/")) return;
    const isLogin = path === "/api/session" && request.method === "POST";
    const principal = authenticate(store, bearerOf(request.headers.authorization), request.cookies?.[SESSION_COOKIE]);
    request.principal = principal;
    if (isLogin) return;
    if (!principal) {
      throw new ApiError(401, "unauthorized", "authentication required: send 'Authorization: Bearer <token>' (see `vnet token create`) or log in");
    }
    if (principal.via === "cookie" && !SAFE_METHODS.has(request.method) && request.headers[CSRF_HEADER] !== principal.csrf) {
      throw new ApiError(403, "csrf_failed", `missing or wrong ${CSRF_HEADER} header for this session`);
    }
  });

  const sessionView = (p: Principal) => {
    const tenant = p.tenantId ? (store.state().model.tenants.find((t) => t.id === p.tenantId)?.name ?? null) : null;
    return { role: p.role, tenantId: p.tenantId, tenant, tokenName: p.tokenName, ...(p.csrf ? { csrf: p.csrf } : {}) };
  };

  app.post(
    "/api/session",
    {
      schema: {
        tags: ["session"],
        summary: "Log in with a token: sets the session cookie for the dashboard",
        body: SessionCreate,
        response: { 200: Session, ...errorResponses },
      },
    },
    async (request: FastifyRequest<{ Body: { token: string } }>, reply: FastifyReply) => {
      const caller = authenticate(store, request.body.token.trim(), undefined);
      if (!caller) throw new ApiError(401, "unauthorized", "unknown token");
      const secret = newSecret("vnets_");
      const csrf = newSecret("");
      const expires = new Date(Date.now() + SESSION_DAYS * 86400_000);
      store.addSession({ id: newId("ses"), tokenId: caller.tokenId, csrf, expiresAt: expires.toISOString() }, secret);
      reply.setCookie(SESSION_COOKIE, secret, {
        path: "/",
        httpOnly: true,
        sameSite: "strict",
        secure: opts.secureCookies,
        expires,
      });
      return sessionView({ ...caller, via: "cookie", csrf });
    },
  );

  app.get(
    "/api/session",
    { schema: { tags: ["session"], summary: "Who am I (and the CSRF token of a cookie session)", response: { 200: Session, ...errorResponses } } },
    async (request) => sessionView(requirePrincipal(request)),
  );

  app.delete(
    "/api/session",
    { schema: { tags: ["session"], summary: "Log out", response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const secret = request.cookies?.[SESSION_COOKIE];
      if (secret) store.removeSession(secret);
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return reply.status(204).send();
    },
  );
}
