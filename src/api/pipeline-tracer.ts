// A Tracer on the pipeline's own trace (src/pipeline/trace.ts: the compiled flows of each host run
// through the same interpreter the simulated switch uses). The runtime supplies what each host's
// switch holds (desired state and wiring); this adapter picks the NICs to trace between and puts
// VM names in place of port ids so that the answer reads well.
import type { InventoryState } from "../inventory/types";
import { traceBetween, type SwitchView } from "../pipeline/trace";
import type { Tracer, TraceResult } from "./tracer";

export function pipelineTracer(state: () => InventoryState, switches: () => ReadonlyMap<string, SwitchView>): Tracer {
  return {
    async trace(req): Promise<TraceResult> {
      const s = state();
      const nicsOf = (vmId: string) => s.model.ports.filter((p) => p.vmId === vmId);
      const vmName = (vmId: string) => s.vms.find((v) => v.id === vmId)?.name ?? vmId;
      const from = nicsOf(req.fromVm);
      const to = nicsOf(req.toVm);
      if (from.length === 0 || to.length === 0) {
        return { steps: [], verdict: `VM ${vmName(from.length === 0 ? req.fromVm : req.toVm)} has no NIC to trace from or to`, delivered: false };
      }
      // Prefer two NICs on the same network: that is the path a person asks about.
      const pair = from.flatMap((a) => to.filter((b) => b.networkId === a.networkId).map((b) => [a, b] as const))[0] ?? ([from[0]!, to[0]!] as const);
      const r = traceBetween(s.model, switches(), pair[0].id, pair[1].id, req.protocol, req.dstPort);
      const names = new Map(s.model.ports.map((p) => [p.id, p.vmId ? `${vmName(p.vmId)}${p.ip ? ` (${p.ip})` : ""}` : p.id]));
      const humane = (text: string) => {
        let out = text;
        for (const [id, name] of names) if (out.includes(id)) out = out.split(id).join(name);
        return out;
      };
      return {
        steps: r.steps.map((step) => ({ ...step, ...(step.owner ? { owner: humane(step.owner) } : {}) })),
        verdict: humane(r.verdict),
        delivered: r.delivered,
      };
    },
  };
}
