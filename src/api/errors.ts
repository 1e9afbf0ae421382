// Every error the API returns has one shape: { error: { code, message, details? } }. `code` is
// stable (clients switch on it), `message` is for a person, `details` names offending fields.
import type { FastifyError, FastifyInstance } from "fastify";
import type { ValidationError } from "../model/types";
import type { ErrorDetail } from "./wire-types";

export type ErrorCode =
  | "bad_request"
  | "validation_failed"
  | "unauthorized"
  | "forbidden"
  | "csrf_failed"
  | "not_found"
  | "conflict"
  | "in_use"
  | "no_vm_driver"
  | "driver_failed"
  | "trace_unavailable"
  | "internal";

export type { ErrorDetail } from "./wire-types";

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

export const notFound = (what: string, ref: string) => new ApiError(404, "not_found", `no ${what} "${ref}"`);

/** Maps the model's validation errors onto an HTTP answer: missing references 404, clashes 409. */
export function fromValidation(errors: readonly ValidationError[]): ApiError {
  const first = errors[0];
  const details = errors.map((e) => ({ path: e.path, code: e.code, message: e.message }));
  const message = first ? first.message : "the request was refused";
  if (first?.code === "in_use") return new ApiError(409, "in_use", message, details);
  if (first?.code === "duplicate" || first?.code === "conflict") return new ApiError(409, "conflict", message, details);
  return new ApiError(422, "validation_failed", message, details);
}

export function errorBody(code: ErrorCode, message: string, details: ErrorDetail[] = []) {
  return { error: details.length ? { code, message, details } : { code, message } };
}

/** One schema (shape) error as a person reads it, naming the field: an unknown field is named
 *  rather than reported as "must NOT have additional properties", and a body that is not a JSON
 *  object says what to send. */
export function schemaErrorDetail(
  v: { instancePath: string; message?: string; keyword?: string; params?: Record<string, unknown> },
  context: string,
): ErrorDetail {
  const at = v.instancePath.replace(/^\//, "").replace(/\//g, ".");
  const where = at ? `${context}.${at}` : context;
  const unknown = v.params?.additionalProperty;
  if (typeof unknown === "string") {
    const path = at ? `${at}.${unknown}` : unknown;
    return { path, code: "invalid_format", message: `${where} has an unknown field "${unknown}"` };
  }
  if (!at && context === "body" && v.keyword === "type" && v.params?.type === "object") {
    return { path: "", code: "invalid_format", message: "body must be a JSON object (send content-type: application/json)" };
  }
  return { path: at || String(v.params?.missingProperty ?? ""), code: "invalid_format", message: `${where} ${v.message ?? "is invalid"}` };
}

type SchemaError = Parameters<typeof schemaErrorDetail>[0];

/** All of a request's schema errors. A field that must be one of several words fails once per
 *  word ("must be equal to constant", then "must match a schema in anyOf"): those become one
 *  error listing the words. */
export function schemaErrorDetails(errors: readonly SchemaError[], context: string): ErrorDetail[] {
  const allowed = new Map<string, unknown[]>();
  for (const v of errors) {
    if (v.keyword === "const" && v.params && "allowedValue" in v.params) {
      allowed.set(v.instancePath, [...(allowed.get(v.instancePath) ?? []), v.params.allowedValue]);
    }
  }
  const out: ErrorDetail[] = [];
  const done = new Set<string>();
  for (const v of errors) {
    const words = allowed.get(v.instancePath);
    if (words && (v.keyword === "const" || v.keyword === "anyOf" || v.keyword === "oneOf")) {
      if (done.has(v.instancePath)) continue;
      done.add(v.instancePath);
      const at = v.instancePath.replace(/^\//, "").replace(/\//g, ".");
      out.push({ path: at, code: "invalid_format", message: `${at ? `${context}.${at}` : context} must be one of ${words.map(String).join(", ")}` });
      continue;
    }
    out.push(schemaErrorDetail(v, context));
  }
  return out;
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    if (err instanceof ApiError) {
      return reply.status(err.statusCode).send(errorBody(err.code, err.message, err.details));
    }
    if (err.validation) {
      // Schema (shape) errors: say which field and what was expected, the way a person reads it.
      const details = schemaErrorDetails(err.validation, err.validationContext ?? "body");
      return reply.status(400).send(errorBody("validation_failed", details[0]?.message ?? err.message, details));
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err }, "request failed");
      return reply.status(500).send(errorBody("internal", "internal error; the server log has the details"));
    }
    return reply.status(status).send(errorBody("bad_request", err.message));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody("not_found", `no route ${request.method} ${request.url.split("?")[0]}`));
  });
}
