// Kernel errors as sentences: "RTM_NEWLINK vx10: File exists (EEXIST)".

import { constants } from "node:os";

const ERRNO_NAMES = new Map<number, string>(
  Object.entries(constants.errno).map(([name, code]) => [code as number, name]),
);

// strerror() texts for the errors rtnetlink returns in practice; others fall back to the name.
const ERRNO_TEXT: Record<string, string> = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  ESRCH: "No such process",
  EBUSY: "Device or resource busy",
  EEXIST: "File exists",
  ENODEV: "No such device",
  EINVAL: "Invalid argument",
  ERANGE: "Numerical result out of range",
  ENOSPC: "No space left on device",
  ENOBUFS: "No buffer space available",
  EOPNOTSUPP: "Operation not supported",
  EAFNOSUPPORT: "Address family not supported by protocol",
  EADDRINUSE: "Address already in use",
  EADDRNOTAVAIL: "Cannot assign requested address",
  ENETDOWN: "Network is down",
  EMSGSIZE: "Message too long",
  ENOTSUP: "Operation not supported",
  EPROTONOSUPPORT: "Protocol not supported",
};

export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}

export function errnoText(errno: number): string {
  const name = errnoName(errno);
  return `${ERRNO_TEXT[name] ?? name} (${name})`;
}

/** A request the kernel refused. `subject` names what it was about (a link, an FDB entry). */
export class KernelError extends Error {
  constructor(
    readonly request: string,
    readonly subject: string,
    readonly errno: number,
  ) {
    super(`${request} ${subject}: ${errnoText(errno)}`);
    this.name = "KernelError";
  }
  get code(): string {
    return errnoName(this.errno);
  }
}
