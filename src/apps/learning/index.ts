// The learning switch: reactive MAC learning for switches vnet does not manage (the job of
// os-ken's simple_switch_13 and ovs-testcontroller). One MAC table per connected switch.

import { OFPPR } from "../../../openflow";
import type { App, ControllerApi, Switch } from "../../controller";
import { isLinkUp } from "../../controller";
import { createLogger } from "../../log";
import type { Logger } from "../../log";
import { checkLearningConfig, decidePacketIn, DEFAULT_LEARNING_CONFIG, switchUpMessages } from "./logic";
import type { LearningConfig } from "./logic";
import { MacTable } from "./mac-table";

export { checkLearningConfig, decidePacketIn, DEFAULT_LEARNING_CONFIG, switchUpMessages } from "./logic";
export type { LearningConfig, PacketInDecision } from "./logic";
export { MacTable, macAt, macToString } from "./mac-table";

export interface LearningSwitchApp extends App {
  /** The MAC table of a switch that is up (for inspection and tests). */
  tableOf(sw: Switch): MacTable | undefined;
}

export interface LearningDeps {
  /** Milliseconds on a monotonic scale, for MAC ageing (default performance.now). */
  now?: () => number;
  logger?: Logger;
}

export function learningSwitch(config: Partial<LearningConfig> = {}, deps: LearningDeps = {}): LearningSwitchApp {
  const cfg: LearningConfig = { ...DEFAULT_LEARNING_CONFIG, ...config };
  checkLearningConfig(cfg);
  new MacTable(cfg.macCapacity, cfg.macMaxAgeMs); // checks the capacity now rather than at the first switch
  const tables = new Map<Switch, MacTable>();
  const now = deps.now ?? (() => performance.now());
  const log = deps.logger ?? createLogger("learning");

  return {
    name: "learning-switch",
    tableOf: (sw) => tables.get(sw),
    start(ctl: ControllerApi) {
      const subscriptions = [
        ctl.on("switch_up", async (sw) => {
          tables.set(sw, new MacTable(cfg.macCapacity, cfg.macMaxAgeMs));
          await sw.commit(switchUpMessages(cfg));
          log.info({ dpid: sw.dpidHex }, "table-miss flow installed");
        }),
        ctl.on("switch_down", (sw) => {
          tables.delete(sw);
        }),
        ctl.on("packet_in", (sw, pi) => {
          const table = tables.get(sw);
          if (table === undefined) return;
          const t = now();
          const decision = decidePacketIn(table, pi, t, cfg);
          if (decision.action === "ignore") {
            log.debug({ dpid: sw.dpidHex, why: decision.why }, "packet-in ignored");
            return;
          }
          if (decision.learn !== undefined) table.learn(decision.learn.mac, decision.learn.port, t);
          if (decision.messages.length > 0) sw.send(decision.messages);
        }),
        ctl.on("port_status", (sw, msg) => {
          // A port that went away or lost its link takes its MACs with it; their flows idle out.
          if (msg.reason === OFPPR.DELETE || !isLinkUp(msg.desc)) tables.get(sw)?.forgetPort(msg.desc.portNo);
        }),
      ];
      return () => {
        for (const unsubscribe of subscriptions) unsubscribe();
        tables.clear();
      };
    },
  };
}
