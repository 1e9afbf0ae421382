// The OpenFlow side of one realiser pass, as pure functions: from the desired state and what the
// switch holds (read by multipart, or tracked since the last pass), the messages to send and a
// summary for reports. The I/O (multipart, commit) stays in host.ts.

import { OFPFC, OFPG, OFPP, OFPTT, type FlowStats, type MultipartRequestBody } from "../../openflow/index";
import { diff, type ActualGroup, type ActualState, type SwitchMessage } from "../pipeline/diff";
import type { DesiredState } from "../pipeline/flow";

/** The multipart request that reads every flow of every table. */
export const ALL_FLOWS: Extract<MultipartRequestBody, { kind: "flow" }> = {
  kind: "flow",
  tableId: OFPTT.ALL,
  outPort: OFPP.ANY,
  outGroup: OFPG.ANY,
  cookie: 0n,
  cookieMask: 0n,
  match: {},
};

export const ALL_GROUP_DESCS: Extract<MultipartRequestBody, { kind: "group_desc" }> = { kind: "group_desc" };

export interface ProgramSummary {
  flowAdds: number;
  flowModifies: number;
  flowDeletes: number;
  groupMods: number;
}

export interface Program {
  /** What to send, in the diff's order, WITHOUT the closing barrier (commit adds its own). */
  messages: Exclude<SwitchMessage, { type: "barrier_request" }>[];
  summary: ProgramSummary;
}

export function program(desired: DesiredState, actual: ActualState): Program {
  const messages = diff(desired, actual).filter((m): m is Exclude<SwitchMessage, { type: "barrier_request" }> => m.type !== "barrier_request");
  const summary: ProgramSummary = { flowAdds: 0, flowModifies: 0, flowDeletes: 0, groupMods: 0 };
  for (const m of messages) {
    if (m.type === "group_mod") summary.groupMods++;
    else if (m.command === OFPFC.ADD) summary.flowAdds++;
    else if (m.command === OFPFC.MODIFY || m.command === OFPFC.MODIFY_STRICT) summary.flowModifies++;
    else summary.flowDeletes++;
  }
  return { messages, summary };
}

export function flowModCount(s: ProgramSummary): number {
  return s.flowAdds + s.flowModifies + s.flowDeletes;
}

/** An actual state from multipart replies. */
export function actualFrom(flows: readonly FlowStats[], groups: readonly ActualGroup[]): ActualState {
  return { flows, groups };
}
