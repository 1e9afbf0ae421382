// Schema errors are turned into messages a person reads, naming the offending field.
import { describe, expect, it } from "vitest";
import { schemaErrorDetail, schemaErrorDetails } from "../../../src/api/errors";

describe("schemaErrorDetail", () => {
  it("names an unknown field instead of 'must NOT have additional properties'", () => {
    const d = schemaErrorDetail({ instancePath: "", keyword: "additionalProperties", message: "must NOT have additional properties", params: { additionalProperty: "extra" } }, "body");
    expect(d).toEqual({ path: "extra", code: "invalid_format", message: 'body has an unknown field "extra"' });
  });

  it("names an unknown field inside a nested object by its full path", () => {
    const d = schemaErrorDetail({ instancePath: "/nics/0", keyword: "additionalProperties", params: { additionalProperty: "vlan" } }, "body");
    expect(d.path).toBe("nics.0.vlan");
    expect(d.message).toBe('body.nics.0 has an unknown field "vlan"');
  });

  it("tells a client that sent no JSON object what to send", () => {
    const d = schemaErrorDetail({ instancePath: "", keyword: "type", message: "must be object", params: { type: "object" } }, "body");
    expect(d.message).toMatch(/JSON object.*application\/json/);
  });

  it("keeps the field path and validator message for other errors", () => {
    expect(schemaErrorDetail({ instancePath: "/mtu", keyword: "type", message: "must be integer", params: { type: "integer" } }, "body")).toEqual({
      path: "mtu",
      code: "invalid_format",
      message: "body.mtu must be integer",
    });
    expect(schemaErrorDetail({ instancePath: "", keyword: "required", message: "must have required property 'from'", params: { missingProperty: "from" } }, "body").path).toBe("from");
  });

  it("says which part of the request is wrong (query, params)", () => {
    expect(schemaErrorDetail({ instancePath: "/force", keyword: "type", message: "must be boolean", params: { type: "boolean" } }, "querystring").message).toBe("querystring.force must be boolean");
  });
});

describe("schemaErrorDetails", () => {
  it("turns one failure per allowed word into one error listing the words", () => {
    const errs = [
      { instancePath: "/protocol", keyword: "const", message: "must be equal to constant", params: { allowedValue: "icmp" } },
      { instancePath: "/protocol", keyword: "const", message: "must be equal to constant", params: { allowedValue: "tcp" } },
      { instancePath: "/protocol", keyword: "const", message: "must be equal to constant", params: { allowedValue: "udp" } },
      { instancePath: "/protocol", keyword: "anyOf", message: "must match a schema in anyOf", params: {} },
      { instancePath: "/mtu", keyword: "type", message: "must be integer", params: { type: "integer" } },
    ];
    expect(schemaErrorDetails(errs, "body")).toEqual([
      { path: "protocol", code: "invalid_format", message: "body.protocol must be one of icmp, tcp, udp" },
      { path: "mtu", code: "invalid_format", message: "body.mtu must be integer" },
    ]);
  });
});
