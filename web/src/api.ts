// REST calls from the dashboard: same-origin, session cookie, and the session's CSRF token on
// every unsafe request. Errors keep the API's code, message and per-field details. The shapes are
// the server's (src/api/wire-types.ts), imported as types only.
import type { ErrorBody, ErrorDetail, SessionInfo } from "../../src/api/wire-types";

export type FieldError = ErrorDetail;
export type { SessionInfo };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldError[],
  ) {
    super(message);
  }
}

let csrf: string | undefined;

export function setCsrf(token: string | undefined): void {
  csrf = token;
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrf) headers["x-csrf-token"] = csrf;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: "same-origin", ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch {
    throw new ApiError(0, "network", "the server cannot be reached", []);
  }
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => null)) as Partial<ErrorBody> | null;
  if (!res.ok) {
    throw new ApiError(res.status, data?.error?.code ?? "error", data?.error?.message ?? res.statusText, data?.error?.details ?? []);
  }
  return data as T;
}
