// The one error type the VM drivers throw: its message is meant for the operator (the API passes
// it through as `driver_failed`), so it says what was wrong and what to do about it.
export class VmDriverError extends Error {
  override name = "VmDriverError";
}

/** The host is not reachable the way a driver needs (e.g. not a lab host on this machine). */
export class HostNotLocalError extends VmDriverError {
  override name = "HostNotLocalError";
}
