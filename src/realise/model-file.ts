// A model from a JSON file, for `vnet realise --model FILE` (tests, demos, hosts without the API).
// Two shapes are accepted:
//   { "changes": [ {"op": "add_tenant", ...}, ... ] }   applied in order to an empty model, so the
//                                                        IPAM allocates addresses as the API would;
//   { "tenants": [...], "networks": [...], "hosts": [...], "ports": [...], "settings": {...} }
//                                                        a whole model, validated as it stands.
// Pure: text in, a validated model or the reasons it is refused out.

import { applyChanges, validateModel } from "../model/validate";
import { DEFAULT_SETTINGS, EMPTY_MODEL, type ModelChange, type NetworkModel, type Result } from "../model/types";

export function parseModelText(text: string): Result<NetworkModel> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return refuse("", `not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return refuse("", "expected a JSON object");
  const o = json as Record<string, unknown>;
  if ("changes" in o) {
    if (!Array.isArray(o.changes)) return refuse("changes", "expected a list of changes");
    try {
      return applyChanges(EMPTY_MODEL, o.changes as ModelChange[]);
    } catch (err) {
      return refuse("changes", `malformed change: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  for (const key of ["tenants", "networks", "hosts", "ports"] as const) {
    if (!Array.isArray(o[key])) return refuse(key, `expected a list of ${key}`);
  }
  const model: NetworkModel = {
    tenants: o.tenants as NetworkModel["tenants"],
    networks: o.networks as NetworkModel["networks"],
    hosts: o.hosts as NetworkModel["hosts"],
    ports: o.ports as NetworkModel["ports"],
    settings: (o.settings as NetworkModel["settings"] | undefined) ?? DEFAULT_SETTINGS,
  };
  let errors;
  try {
    errors = validateModel(model);
  } catch (err) {
    // Validation of badly typed input may trip over a missing field: still a refusal, not a crash.
    return refuse("", `malformed model: ${err instanceof Error ? err.message : String(err)}`);
  }
  return errors.length ? { ok: false, errors } : { ok: true, value: model };
}

function refuse(path: string, message: string): Result<NetworkModel> {
  return { ok: false, errors: [{ code: "invalid_format", path, message }] };
}
