// The only I/O of the netlink layer: one AF_NETLINK/NETLINK_ROUTE socket from the `netlink` npm
// package (a native binding: Node has no netlink sockets of its own). Requests are built and
// replies decoded by the pure modules next to this one; this file sends, waits, and turns
// NLMSG_ERROR into a KernelError that names the request and its subject.

import { createNetlink, Protocol, type NetlinkSocket } from "netlink";
import { NLMSG_ERROR, RTM_NAMES } from "./constants";
import { KernelError } from "./errors";
import { decodeFdb, type FdbState, addFdbRequest, delFdbRequest, dumpFdbRequest, type FdbKey } from "./neigh";
import {
  type BrPortFlags, decodeLink, delLinkRequest, dumpLinksRequest, type LinkChange, type LinkState, newLinkRequest, type NewLink,
  type RtRequest, setBrPortRequest, setLinkRequest,
} from "./link";

const REQUEST_TIMEOUT_MS = 5_000;

/** Reads the errno of an NLMSG_ERROR body: a negative s32, then the offending request's header. */
export function errnoOf(body: Buffer): number {
  if (body.length < 4) return 0;
  return -body.readInt32LE(0);
}

export class Rtnl {
  /** The last socket-level error, kept so that an unheard one never crashes the process. */
  lastError: Error | null = null;

  private constructor(private readonly sock: NetlinkSocket) {
    sock.on("error", (e) => {
      this.lastError = e;
    });
  }

  static open(): Rtnl {
    return new Rtnl(createNetlink(Protocol.ROUTE));
  }

  close(): void {
    this.sock.close();
  }

  /** Socket-level errors (not replies to a request); without a listener they would crash Node. */
  onError(listener: (e: Error) => void): void {
    this.sock.on("error", listener);
  }

  /**
   * Sends one request and returns the bodies of the reply messages (none for a plain ACK).
   * Requests go one at a time: the kernel runs one dump per socket and answers a second with EBUSY.
   */
  send(req: RtRequest): Promise<Buffer[]> {
    const run = this.queue.then(() => this.sendNow(req));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private queue: Promise<unknown> = Promise.resolve();

  private async sendNow(req: RtRequest): Promise<Buffer[]> {
    const what = RTM_NAMES[req.type] ?? `RTM ${req.type}`;
    let msgs;
    try {
      [msgs] = await this.sock.request(req.type, req.body, { flags: req.flags, checkError: false, timeout: REQUEST_TIMEOUT_MS });
    } catch (e) {
      throw new Error(`${what} ${req.subject}: ${(e as Error).message}`);
    }
    const out: Buffer[] = [];
    for (const m of msgs) {
      if (m.type === NLMSG_ERROR) {
        const errno = errnoOf(m.data);
        if (errno !== 0) throw new KernelError(what, req.subject, errno);
        continue;
      }
      out.push(m.data);
    }
    return out;
  }

  async dumpLinks(): Promise<LinkState[]> {
    return (await this.send(dumpLinksRequest())).map(decodeLink);
  }

  async dumpFdb(): Promise<FdbState[]> {
    return (await this.send(dumpFdbRequest())).map(decodeFdb);
  }

  async newLink(spec: NewLink): Promise<void> {
    await this.send(newLinkRequest(spec));
  }

  async setLink(index: number, name: string, change: LinkChange): Promise<void> {
    await this.send(setLinkRequest(index, name, change));
  }

  async setBrPort(index: number, name: string, flags: BrPortFlags): Promise<void> {
    await this.send(setBrPortRequest(index, name, flags));
  }

  async delLink(index: number, name: string): Promise<void> {
    await this.send(delLinkRequest(index, name));
  }

  async addFdb(key: FdbKey): Promise<void> {
    await this.send(addFdbRequest(key));
  }

  async delFdb(key: FdbKey): Promise<void> {
    await this.send(delFdbRequest(key));
  }

  /** Finds a link by name in a fresh dump (names are unique per namespace). */
  async linkByName(name: string): Promise<LinkState | undefined> {
    return (await this.dumpLinks()).find((l) => l.name === name);
  }
}
