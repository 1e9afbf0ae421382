import type { Static } from "@sinclair/typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { randomBytes } from "node:crypto";
import type { InventoryChange, InventoryState, Vm as VmRecord, VmDriverKind } from "../../inventory/types";
import type { Port } from "../../model/types";
import { newId } from "../../inventory/secrets";
import { applyInventoryChanges, removeVmChanges } from "../../inventory/state";
import { requirePrincipal, type Principal } from "../auth";
import { ApiError, fromValidation } from "../errors";
import { ForceQuery, NicCreate, NicParams, NicUpdate, RefParams, Vm, VmCreate, errorResponses, type NicCreateBody, type NicUpdateBody } from "../schemas";
import type { VmDriver, VmSpec } from "../vm-driver";
import { findHost, findNetwork, findVm, visibleTenantId, vmView } from "../views";
import { tenantForWrite } from "./networks";

/** A random locally administered unicast MAC (02:...) not used in the network yet. */
function freeMac(state: InventoryState, networkId: string, taken: Set<string>): string {
  for (;;) {
    const b = randomBytes(5);
    const mac = ["02", ...[...b].map((x) => x.toString(16).padStart(2, "0"))].join(":");
    if (!taken.has(mac) && !state.model.ports.some((p) => p.networkId === networkId && p.mac === mac)) return mac;
  }
}

function nicChanges(state: InventoryState, p: Principal, vm: VmRecord, nics: readonly NicCreateBody[]): InventoryChange[] {
  const taken = new Set<string>();
  return nics.map((nic): InventoryChange => {
    const network = findNetwork(state, p, nic.network, vm.tenantId);
    const mac = nic.mac ?? freeMac(state, network.id, taken);
    taken.add(mac);
    const id = newId("port");
    return {
      op: "add_port",
      port: { id, networkId: network.id, hostId: vm.hostId, mac, ...(nic.ip !== undefined ? { ip: nic.ip } : {}), vmId: vm.id },
    };
  });
}

export async function vmRoutes(app: FastifyInstance): Promise<void> {
  const tags = ["vms"];

  const specOf = (state: InventoryState, vm: VmRecord): VmSpec => ({
    vm,
    host: state.model.hosts.find((h) => h.id === vm.hostId)!,
    nics: state.model.ports
      .filter((port) => port.vmId === vm.id)
      .map((port) => ({ port, network: state.model.networks.find((n) => n.id === port.networkId)! })),
  });

  const driverFor = (state: InventoryState, vm: VmRecord): VmDriver | undefined => {
    const host = state.model.hosts.find((h) => h.id === vm.hostId);
    return host ? app.drivers(host, vm.driver) : undefined;
  };

  const requireDriver = (state: InventoryState, vm: VmRecord): VmDriver => {
    const driver = driverFor(state, vm);
    if (!driver) {
      const host = state.model.hosts.find((h) => h.id === vm.hostId)?.name ?? vm.hostId;
      throw new ApiError(409, "no_vm_driver", `no "${vm.driver}" VM driver is configured for host "${host}", so VM "${vm.name}" cannot be started, stopped or changed from here`);
    }
    return driver;
  };

  /** Records the VM's new state (if the VM still exists) and returns its view. */
  const record = (id: string, patch: Partial<VmRecord>) => {
    const state = app.store.state();
    const current = state.vms.find((v) => v.id === id);
    if (!current) throw new ApiError(404, "not_found", `VM "${id}" was deleted meanwhile`);
    const r = app.store.commit([{ op: "update_vm", vm: { ...current, ...patch } }]);
    if (!r.ok) throw fromValidation(r.errors);
    return vmView(r.value, r.value.vms.find((v) => v.id === id)!);
  };

  // One driver operation per VM at a time: a second start while the first is still running would
  // race it on the host. The later request is refused rather than queued.
  const busy = new Map<string, string>();

  const exclusive = async <T>(vm: VmRecord, what: string, op: () => Promise<T>): Promise<T> => {
    const current = busy.get(vm.id);
    if (current) throw new ApiError(409, "conflict", `VM "${vm.name}" is busy (${current} in progress); try again when it is done`);
    busy.set(vm.id, what);
    try {
      return await op();
    } finally {
      busy.delete(vm.id);
    }
  };

  /** A driver operation; its failure puts the VM in "error" with the driver's message. */
  const runDriver = (vm: VmRecord, what: string, op: () => Promise<unknown>) =>
    exclusive(vm, what, async () => {
      try {
        return await op();
      } catch (err) {
        const message = `${what} VM "${vm.name}" failed: ${errorText(err)}`;
        record(vm.id, { state: "error", lastError: message });
        throw new ApiError(502, "driver_failed", message);
      }
    });

  /**
   * Changes a VM's NICs (add, remove, move). The change is checked first against the model's and
   * the inventory's rules, purely; a running VM's driver then brings its NICs in line, and only
   * when it succeeded is the change stored. A driver failure stores nothing: the driver is asked
   * to restore the NICs it had (the VM goes to "error" only if even that fails) and the answer is
   * 502 driver_failed. A stopped VM gets its NICs at its next start.
   */
  const changeNics = (vm: VmRecord, changes: readonly InventoryChange[]) =>
    exclusive(vm, "changing NICs", async () => {
      const before = app.store.state();
      const current = before.vms.find((v) => v.id === vm.id) ?? vm;
      const next = applyInventoryChanges(before, changes);
      if (!next.ok) throw fromValidation(next.errors);
      const driver = current.state === "running" ? requireDriver(before, current) : undefined;
      if (driver) {
        if (!driver.syncNics) {
          throw new ApiError(409, "no_vm_driver", `the "${current.driver}" driver cannot change the NICs of a running VM; stop VM "${current.name}" first`);
        }
        try {
          await driver.syncNics(specOf(next.value, current));
        } catch (err) {
          let message = `changing the NICs of VM "${current.name}" failed: ${errorText(err)}; nothing was changed`;
          try {
            await driver.syncNics(specOf(before, current));
          } catch (restoreErr) {
            message += `, but restoring its previous NICs failed too: ${errorText(restoreErr)}`;
            try {
              record(current.id, { state: "error", lastError: message });
            } catch {
              // The VM was deleted meanwhile: there is nothing left to mark.
            }
          }
          throw new ApiError(502, "driver_failed", message);
        }
      }
      const r = app.store.commit(changes);
      if (!r.ok) {
        // The inventory changed meanwhile so that the change no longer fits: undo it on the host.
        if (driver?.syncNics) await driver.syncNics(specOf(app.store.state(), current)).catch(() => undefined);
        throw fromValidation(r.errors);
      }
      return r.value;
    });

  app.get(
    "/api/vms",
    { schema: { tags, summary: "List VMs with host, driver, state and NICs (a tenant token sees its own)", response: { 200: Type.Array(Vm), ...errorResponses } } },
    async (request) => {
      const scope = visibleTenantId(requirePrincipal(request));
      const state = app.store.state();
      return state.vms.filter((v) => scope === null || v.tenantId === scope).map((v) => vmView(state, v));
    },
  );

  app.post<{ Body: Static<typeof VmCreate> }>(
    "/api/vms",
    { schema: { tags, summary: "Create a VM and its NICs (the driver defines it when one is configured)", body: VmCreate, response: { 201: Vm, ...errorResponses } } },
    async (request, reply) => {
      const p = requirePrincipal(request);
      const b = request.body;
      const state = app.store.state();
      const tenantId = tenantForWrite(app, p, b.tenant);
      const host = findHost(state, b.host);
      const vm: VmRecord = { id: newId("vm"), name: b.name, tenantId, hostId: host.id, driver: (b.driver ?? "netns") as VmDriverKind, state: "defined" };
      const r = app.store.commit([{ op: "add_vm", vm }, ...nicChanges(state, p, vm, b.nics)]);
      if (!r.ok) throw fromValidation(r.errors);
      const driver = driverFor(r.value, vm);
      if (driver) {
        try {
          const made = await driver.create(specOf(r.value, vm));
          return reply.status(201).send(record(vm.id, { state: "stopped", netns: made.netns ?? null }));
        } catch (err) {
          // A rejected request changes nothing: forget the records we just wrote.
          app.store.commit(removeVmChanges(app.store.state(), vm.id));
          throw new ApiError(502, "driver_failed", `creating VM "${vm.name}" failed: ${errorText(err)}`);
        }
      }
      return reply.status(201).send(vmView(r.value, vm));
    },
  );

  app.get<{ Params: Static<typeof RefParams> }>(
    "/api/vms/:ref",
    { schema: { tags, summary: "One VM", params: RefParams, response: { 200: Vm, ...errorResponses } } },
    async (request) => {
      const state = app.store.state();
      return vmView(state, findVm(state, requirePrincipal(request), request.params.ref));
    },
  );

  for (const action of ["start", "stop"] as const) {
    app.post<{ Params: Static<typeof RefParams> }>(
      `/api/vms/:ref/${action}`,
      { schema: { tags, summary: `${action === "start" ? "Start" : "Stop"} a VM through its host's driver`, params: RefParams, response: { 200: Vm, ...errorResponses } } },
      async (request) => {
        const state = app.store.state();
        const vm = findVm(state, requirePrincipal(request), request.params.ref);
        const driver = requireDriver(state, vm);
        const spec = specOf(state, vm);
        const netns: { netns?: string } = {};
        if (vm.state === "defined") Object.assign(netns, await runDriver(vm, "creating", () => driver.create(spec)));
        await runDriver(vm, action === "start" ? "starting" : "stopping", () => (action === "start" ? driver.start(spec) : driver.stop(spec)));
        return record(vm.id, { state: action === "start" ? "running" : "stopped", lastError: null, ...(netns.netns ? { netns: netns.netns } : {}) });
      },
    );
  }

  app.post<{ Params: Static<typeof RefParams> }>(
    "/api/vms/:ref/reboot",
    { schema: { tags, summary: "Reboot a running VM through its host's driver", params: RefParams, response: { 200: Vm, ...errorResponses } } },
    async (request) => {
      const state = app.store.state();
      const vm = findVm(state, requirePrincipal(request), request.params.ref);
      if (vm.state !== "running") throw new ApiError(409, "conflict", `VM "${vm.name}" is not running (it is ${vm.state}); start it instead`);
      const driver = requireDriver(state, vm);
      const spec = specOf(state, vm);
      await runDriver(vm, "rebooting", () => (driver.reboot ? driver.reboot(spec) : driver.stop(spec).then(() => driver.start(spec))));
      return record(vm.id, { state: "running", lastError: null });
    },
  );

  app.delete<{ Params: Static<typeof RefParams>; Querystring: Static<typeof ForceQuery> }>(
    "/api/vms/:ref",
    {
      schema: {
        tags,
        summary: "Delete a VM and its NICs (the driver destroys it; force=true forgets it even without a driver)",
        params: RefParams,
        querystring: ForceQuery,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const state = app.store.state();
      const vm = findVm(state, requirePrincipal(request), request.params.ref);
      if (vm.state !== "defined") {
        const driver = driverFor(state, vm);
        if (driver) await runDriver(vm, "destroying", () => driver.destroy(specOf(state, vm)));
        else if (!request.query.force) requireDriver(state, vm);
      }
      const r = app.store.commit(removeVmChanges(app.store.state(), vm.id));
      if (!r.ok) throw fromValidation(r.errors);
      return reply.status(204).send();
    },
  );

  app.post<{ Params: Static<typeof RefParams>; Body: NicCreateBody }>(
    "/api/vms/:ref/nics",
    { schema: { tags, summary: "Add a NIC to a VM (a running VM gets it at once)", params: RefParams, body: NicCreate, response: { 201: Vm, ...errorResponses } } },
    async (request, reply) => {
      const p = requirePrincipal(request);
      const state = app.store.state();
      const vm = findVm(state, p, request.params.ref);
      const after = await changeNics(vm, nicChanges(state, p, vm, [request.body]));
      return reply.status(201).send(vmView(after, vm));
    },
  );

  app.patch<{ Params: Static<typeof NicParams>; Body: NicUpdateBody }>(
    "/api/vms/:ref/nics/:nic",
    {
      schema: {
        tags,
        summary: "Move a NIC to another network of the VM's tenant, or change its MAC or address",
        params: NicParams,
        body: NicUpdate,
        response: { 200: Vm, ...errorResponses },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      const state = app.store.state();
      const vm = findVm(state, p, request.params.ref);
      const nic = findNic(state, vm, request.params.nic);
      const b = request.body;
      const networkId = b.network !== undefined ? findNetwork(state, p, b.network, vm.tenantId).id : nic.networkId;
      // The model's update_port: an omitted address is kept in the same network, allocated in a new one.
      const change: InventoryChange = {
        op: "update_port",
        port: { id: nic.id, networkId, hostId: nic.hostId, mac: b.mac ?? nic.mac, ifaceId: nic.ifaceId, vmId: vm.id, ...(b.ip ? { ip: b.ip } : {}) },
      };
      return vmView(await changeNics(vm, [change]), vm);
    },
  );

  app.delete<{ Params: Static<typeof NicParams> }>(
    "/api/vms/:ref/nics/:nic",
    { schema: { tags, summary: "Remove a NIC from a VM (a running VM loses it at once)", params: NicParams, response: { 200: Vm, ...errorResponses } } },
    async (request) => {
      const state = app.store.state();
      const vm = findVm(state, requirePrincipal(request), request.params.ref);
      const nic = findNic(state, vm, request.params.nic);
      return vmView(await changeNics(vm, [{ op: "remove_port", id: nic.id }]), vm);
    },
  );
}

/** A VM's NIC by port id or MAC. */
function findNic(state: InventoryState, vm: VmRecord, ref: string): Port {
  const mac = ref.toLowerCase();
  const nic = state.model.ports.find((x) => x.vmId === vm.id && (x.id === ref || x.mac === mac));
  if (!nic) throw new ApiError(404, "not_found", `VM "${vm.name}" has no NIC "${ref}"`);
  return nic;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
