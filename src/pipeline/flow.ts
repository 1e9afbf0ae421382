// Building flows and groups for the pipeline. `flow()` is the one way to make a flow: it checks
// the flow against the table declaration (allowed match fields, allowed gotos, the spec's match
// prerequisites) and puts instructions in the order Open vSwitch requires, so every flow the
// pipeline emits is one the switch accepts.

import {
  OFPG,
  OFPP,
  matchPrerequisiteProblems,
  type Action,
  type Bucket,
  type Instruction,
  type Match,
  type MatchFieldName,
} from "../../openflow/index";
import { TABLES, priorityOf, tableId, tableNameOf, type BandOf, type TableName } from "./tables";

export interface DesiredFlow {
  table: TableName;
  priority: number;
  match: Match;
  instructions: Instruction[];
  cookie: bigint;
}

export interface DesiredGroup {
  groupId: number;
  groupType: number;
  buckets: Bucket[];
  /** Groups this group's buckets jump to: they must exist first. */
  uses: number[];
}

export interface DesiredState {
  flows: DesiredFlow[];
  groups: DesiredGroup[];
  /** What the model asks for but the wiring cannot give (a missing tunnel port, no uplink ...). */
  problems: string[];
}

export class PipelineError extends Error {
  override name = "PipelineError";
}

/** OpenFlow 1.3 §5.9 execution order; Open vSwitch refuses instructions listed out of it. */
export const INSTRUCTION_ORDER: Readonly<Record<Instruction["type"], number>> = {
  meter: 0,
  apply_actions: 1,
  clear_actions: 2,
  write_actions: 3,
  write_metadata: 4,
  goto_table: 5,
  experimenter: 6,
};

export function sortInstructions(instructions: readonly Instruction[]): Instruction[] {
  return [...instructions].sort((a, b) => INSTRUCTION_ORDER[a.type] - INSTRUCTION_ORDER[b.type]);
}

/** Each table's allowed match fields as a set: flow() checks every field of every flow. */
const ALLOWED_MATCHES = Object.fromEntries(
  (Object.keys(TABLES) as TableName[]).map((t) => [t, new Set<string>(TABLES[t].matches)]),
) as unknown as Record<TableName, ReadonlySet<string>>;

export function flow<T extends TableName>(
  table: T,
  band: BandOf<T> | "miss",
  match: Match,
  instructions: Instruction[],
  cookie: bigint,
): DesiredFlow {
  const spec = TABLES[table];
  const allowed = ALLOWED_MATCHES[table];
  for (const key in match) {
    if (match[key as MatchFieldName] === undefined) continue;
    if (!allowed.has(key)) throw new PipelineError(`table ${table} may not match on ${key}`);
  }
  const problems = matchPrerequisiteProblems(match);
  if (problems.length) throw new PipelineError(`table ${table}: ${problems.join("; ")}`);
  const seen = new Set<string>();
  for (const ins of instructions) {
    if (seen.has(ins.type)) throw new PipelineError(`table ${table}: two ${ins.type} instructions in one flow`);
    seen.add(ins.type);
    if (ins.type === "goto_table") {
      const target = tableNameOf(ins.tableId);
      if (!target || !(spec.next as readonly TableName[]).includes(target)) {
        throw new PipelineError(`table ${table} may not go to table ${target ?? ins.tableId}`);
      }
    }
  }
  return { table, priority: priorityOf(table, band), match, instructions: sortInstructions(instructions), cookie };
}

// Small constructors, so compile.ts reads like the pipeline description.
export const goto = (table: TableName): Instruction => ({ type: "goto_table", tableId: tableId(table) });
export const apply = (...actions: Action[]): Instruction => ({ type: "apply_actions", actions });
export const writeMetadata = (metadata: bigint, mask: bigint): Instruction => ({ type: "write_metadata", metadata, mask });
export const output = (port: number): Action => ({ type: "output", port });
export const toController = (): Action => ({ type: "output", port: OFPP.CONTROLLER, maxLen: 0xffff });
export const groupAction = (groupId: number): Action => ({ type: "group", groupId });

/** A bucket of an ALL group: no weight, no watch (OpenFlow 1.3 §5.6.1). */
export function bucket(...actions: Action[]): Bucket {
  return { weight: 0, watchPort: OFPP.ANY, watchGroup: OFPG.ANY, actions };
}
