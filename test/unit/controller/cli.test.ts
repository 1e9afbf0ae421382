// `vnet controller`'s flags: bad input is refused with a clear message before anything listens.
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { parseHostPort, register } from "../../../src/cli/commands/controller";

describe("parseHostPort", () => {
  it("reads HOST:PORT, [V6]:PORT and :PORT", () => {
    expect(parseHostPort("127.0.0.1:6653")).toEqual({ host: "127.0.0.1", port: 6653 });
    expect(parseHostPort("[::1]:6633")).toEqual({ host: "::1", port: 6633 });
    expect(parseHostPort(":6653")).toEqual({ host: "0.0.0.0", port: 6653 });
    expect(parseHostPort("ctl.example:0")).toEqual({ host: "ctl.example", port: 0 });
  });

  it("refuses anything else, saying what it expected", () => {
    for (const bad of ["127.0.0.1", "127.0.0.1:", "127.0.0.1:70000", "::1:6653", "a:b", ""]) {
      expect(() => parseHostPort(bad), bad).toThrow(`bad listen address "${bad}": expected HOST:PORT, e.g. 127.0.0.1:6653`);
    }
  });
});

describe("vnet controller flags", () => {
  async function run(...args: string[]): Promise<unknown> {
    const program = new Command("vnet").exitOverride();
    register(program);
    return program.parseAsync(["node", "vnet", "controller", ...args]).then(
      () => "ran",
      (err: unknown) => err,
    );
  }

  it.each([
    [["--listen", "nowhere"], 'bad listen address "nowhere"'],
    [["--idle-timeout", "-1"], 'bad idle timeout "-1": expected a positive number'],
    [["--idle-timeout", "70000"], "idle timeout must be a whole number of seconds up to 65535"],
    [["--echo-interval", "soon"], 'bad echo interval "soon"'],
    [["--log-level", "loud"], 'bad log level "loud"'],
    [["--tls-listen", "127.0.0.1:6654", "--tls-key", "k.pem"], "--tls-listen needs --tls-key, --tls-cert and --tls-ca"],
    [["--tls-listen", "127.0.0.1:6654", "--tls-key", "/nonexistent/k", "--tls-cert", "/nonexistent/c", "--tls-ca", "/nonexistent/ca"], "cannot read the TLS key /nonexistent/k"],
  ])("refuses %j", async (args, message) => {
    const err = await run(...args);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(message);
  });
});
