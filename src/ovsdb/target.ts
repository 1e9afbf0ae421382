// OVSDB connection targets as Open vSwitch writes them: "tcp:HOST:PORT", "ssl:HOST:PORT",
// "unix:PATH" (IPv6 hosts in brackets: "tcp:[::1]:6640"). Parsing is pure; opening is the edge.

import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { readFileSync } from "node:fs";

export type Target =
  | { kind: "tcp"; host: string; port: number }
  | { kind: "ssl"; host: string; port: number }
  | { kind: "unix"; path: string };

/** Files for ssl: targets (PEM), as ovs-vsctl's --private-key, --certificate, --ca-cert. */
export interface TlsFiles {
  privateKey?: string;
  certificate?: string;
  caCert?: string;
}

export const DEFAULT_OVSDB_PORT = 6640;

export class TargetError extends Error {
  override name = "TargetError";
}

export function parseTarget(text: string): Target {
  const colon = text.indexOf(":");
  if (colon < 0) throw new TargetError(`bad OVSDB target "${text}": expected tcp:HOST:PORT, ssl:HOST:PORT or unix:PATH`);
  const kind = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  if (kind === "unix") {
    if (!rest) throw new TargetError(`bad OVSDB target "${text}": empty path`);
    return { kind, path: rest };
  }
  if (kind !== "tcp" && kind !== "ssl") throw new TargetError(`bad OVSDB target "${text}": unknown kind "${kind}"`);
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  if (v6) {
    host = v6[1]!;
    portText = v6[2];
  } else {
    const parts = rest.split(":");
    if (parts.length > 2) throw new TargetError(`bad OVSDB target "${text}": put IPv6 addresses in brackets`);
    host = parts[0]!;
    portText = parts[1];
  }
  if (!host) throw new TargetError(`bad OVSDB target "${text}": no host`);
  const port = portText === undefined || portText === "" ? DEFAULT_OVSDB_PORT : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TargetError(`bad OVSDB target "${text}": bad port`);
  return { kind, host, port };
}

export function formatTarget(t: Target): string {
  if (t.kind === "unix") return `unix:${t.path}`;
  return `${t.kind}:${t.host.includes(":") ? `[${t.host}]` : t.host}:${t.port}`;
}

/** Opens the stream; resolves once connected (TLS: once the handshake is done). */
export function openTarget(target: Target, tls: TlsFiles = {}, timeoutMs = 5000): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    let socket: Socket;
    const readyEvent = target.kind === "ssl" ? "secureConnect" : "connect";
    try {
      if (target.kind === "unix") socket = netConnect({ path: target.path });
      else if (target.kind === "tcp") socket = netConnect({ host: target.host, port: target.port });
      else {
        socket = tlsConnect({
          host: target.host,
          port: target.port,
          key: tls.privateKey ? readFileSync(tls.privateKey) : undefined,
          cert: tls.certificate ? readFileSync(tls.certificate) : undefined,
          ca: tls.caCert ? readFileSync(tls.caCert) : undefined,
          // OVS certificates name switches, not DNS hosts: trust comes from the CA, as ovs-vsctl does.
          checkServerIdentity: () => undefined,
        });
      }
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`timed out connecting to ${formatTarget(target)}`));
    }, timeoutMs);
    const onError = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once("error", onError);
    socket.once(readyEvent, () => {
      clearTimeout(timer);
      socket.off("error", onError);
      socket.setNoDelay?.(true);
      resolve(socket);
    });
  });
}
