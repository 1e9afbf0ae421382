// Small pure decisions behind what the dashboard draws, kept apart from the DOM so they are tested.

/** A name cut to `max` characters with an ellipsis: graph labels must not run over their
 *  neighbours (the details panel and the lists show the full name). */
export function shortName(name: string, max = 16): string {
  return name.length <= max ? name : name.slice(0, max - 1) + "…";
}

export type VmAction = "start" | "stop" | "reboot" | "delete";

/** The buttons a VM's row offers in its state: only what makes sense now (no Start on a running
 *  VM, no Stop or Reboot on a stopped one). Delete is always there; the page asks first. */
export function vmActions(state: string): VmAction[] {
  if (state === "running") return ["stop", "reboot", "delete"];
  if (state === "error") return ["start", "stop", "delete"];
  return ["start", "delete"];
}

/** Switches in the order a person expects: by host name with numbers compared as numbers (h2
 *  before h10), then by datapath id. */
export function switchOrder(hostA: string, dpidA: string, hostB: string, dpidB: string): number {
  return hostA.localeCompare(hostB, "en", { numeric: true }) || dpidA.localeCompare(dpidB);
}
