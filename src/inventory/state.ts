// Pure: applies inventory changes to a state. Model changes go through the model's own rules
// (src/model/validate.ts); the VM rules are the inventory's: a VM belongs to an existing tenant and
// host, has a unique name, and its NICs (model ports with `vmId`) sit on its host and on its
// tenant's networks. Removing a VM or a host never leaves a dangling reference.
import { applyChange, describePortById, type DescribePort } from "../model/validate";
import type { Id, Result, ValidationError } from "../model/types";
import { VM_DRIVER_KINDS, type InventoryChange, type InventoryState, type Vm, type VmState } from "./types";

const VM_STATES: readonly VmState[] = ["defined", "stopped", "running", "error"];
const VM_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

function fail<T>(errors: ValidationError[]): Result<T> {
  return { ok: false, errors };
}

/**
 * Names a port as a person knows it: by its VM's name when it is a VM's NIC. Handed to the model's
 * rules, which know ids only.
 */
export function describePortWithVm(state: InventoryState): DescribePort {
  return (port) => {
    const vm = port.vmId ? state.vms.find((v) => v.id === port.vmId) : undefined;
    return vm ? `VM ${vm.name} (NIC ${port.id})` : describePortById(port);
  };
}

function validateVm(state: InventoryState, vm: Vm, mode: "add" | "update"): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (code: ValidationError["code"], path: string, message: string) => errors.push({ code, path, message });
  if (typeof vm !== "object" || vm === null) return [{ code: "required", path: "vm", message: "a VM object is required" }];
  const existing = state.vms.find((v) => v.id === vm.id);
  if (typeof vm.id !== "string" || vm.id === "") add("required", "id", "VM id is required");
  else if (mode === "add" && existing) add("duplicate", "id", `a VM with id "${vm.id}" already exists`);
  else if (mode === "update" && !existing) add("not_found", "id", `no VM with id "${vm.id}"`);
  if (typeof vm.name !== "string" || !VM_NAME_RE.test(vm.name)) {
    add("invalid_format", "name", "VM name must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");
  } else {
    const clash = state.vms.find((v) => v.name === vm.name && v.id !== vm.id);
    if (clash) add("duplicate", "name", `a VM named "${vm.name}" already exists`);
  }
  if (!state.model.tenants.some((t) => t.id === vm.tenantId)) add("not_found", "tenantId", `no tenant with id "${String(vm.tenantId)}"`);
  if (!state.model.hosts.some((h) => h.id === vm.hostId)) add("not_found", "hostId", `no host with id "${String(vm.hostId)}"`);
  if (!VM_DRIVER_KINDS.includes(vm.driver)) add("invalid_format", "driver", `driver must be one of ${VM_DRIVER_KINDS.join(", ")}`);
  if (!VM_STATES.includes(vm.state)) add("invalid_format", "state", `state must be one of ${VM_STATES.join(", ")}`);
  if (existing && mode === "update") {
    if (existing.tenantId !== vm.tenantId) add("conflict", "tenantId", "a VM cannot move to another tenant");
    if (existing.hostId !== vm.hostId) add("conflict", "hostId", "a VM cannot move to another host (yet)");
  }
  return errors;
}

/** Checks that every port owned by a VM matches the VM (host, tenant) and that owners exist. */
function validateVmPorts(state: InventoryState): ValidationError[] {
  const vms = new Map(state.vms.map((v) => [v.id, v]));
  const networks = new Map(state.model.networks.map((n) => [n.id, n]));
  for (const port of state.model.ports) {
    if (port.vmId === null || port.vmId === undefined) continue;
    const vm = vms.get(port.vmId);
    if (!vm) return [{ code: "not_found", path: "vmId", message: `port ${port.id} names VM "${port.vmId}", which does not exist` }];
    if (port.hostId !== vm.hostId) {
      return [{ code: "conflict", path: "hostId", message: `port ${port.id} is on another host than its VM "${vm.name}"` }];
    }
    const net = networks.get(port.networkId);
    if (net && net.tenantId !== vm.tenantId) {
      return [{ code: "conflict", path: "networkId", message: `network "${net.name}" belongs to another tenant than VM "${vm.name}"` }];
    }
  }
  return [];
}

function applyOne(state: InventoryState, change: InventoryChange): Result<InventoryState> {
  switch (change?.op) {
    case "add_vm":
    case "update_vm": {
      const mode = change.op === "add_vm" ? "add" : "update";
      const errors = validateVm(state, change.vm, mode);
      if (errors.length) return fail(errors);
      const vm = { ...change.vm };
      const vms = mode === "add" ? [...state.vms, vm] : state.vms.map((v) => (v.id === vm.id ? vm : v));
      return { ok: true, value: { ...state, vms } };
    }
    case "remove_vm": {
      const vm = state.vms.find((v) => v.id === change.id);
      if (!vm) return fail([{ code: "not_found", path: "id", message: `no VM with id "${change.id}"` }]);
      const nic = state.model.ports.find((p) => p.vmId === change.id);
      if (nic) return fail([{ code: "in_use", path: "id", message: `VM "${vm.name}" still owns NIC ${nic.id}` }]);
      return { ok: true, value: { ...state, vms: state.vms.filter((v) => v.id !== change.id) } };
    }
    case "remove_tenant": {
      const vm = state.vms.find((v) => v.tenantId === change.id);
      const name = state.model.tenants.find((t) => t.id === change.id)?.name ?? change.id;
      if (vm) return fail([{ code: "in_use", path: "id", message: `tenant "${name}" still has VM "${vm.name}": delete its VMs first` }]);
      break;
    }
    case "remove_host": {
      const vm = state.vms.find((v) => v.hostId === change.id);
      const name = state.model.hosts.find((h) => h.id === change.id)?.name ?? change.id;
      if (vm) return fail([{ code: "in_use", path: "id", message: `host "${name}" still runs VM "${vm.name}"` }]);
      break;
    }
    default:
      break;
  }
  const r = applyChange(state.model, change as Parameters<typeof applyChange>[1], { describePort: describePortWithVm(state) });
  return r.ok ? { ok: true, value: { ...state, model: r.value } } : r;
}

/** All or nothing: the first refused change stops it; the VM/port links are checked at the end. */
export function applyInventoryChanges(state: InventoryState, changes: readonly InventoryChange[]): Result<InventoryState> {
  let current = state;
  for (const change of changes) {
    const r = applyOne(current, change);
    if (!r.ok) return r;
    current = r.value;
  }
  const errors = validateVmPorts(current);
  return errors.length ? fail(errors) : { ok: true, value: current };
}

/** The changes that remove a VM with its NICs (ports first, so the VM is free to go). */
export function removeVmChanges(state: InventoryState, vmId: Id): InventoryChange[] {
  return [
    ...state.model.ports.filter((p) => p.vmId === vmId).map((p): InventoryChange => ({ op: "remove_port", id: p.id })),
    { op: "remove_vm", id: vmId },
  ];
}

/** The changes that unregister a host by force: its VMs and their NICs, other ports, then the host. */
export function forceRemoveHostChanges(state: InventoryState, hostId: Id): InventoryChange[] {
  const vmIds = state.vms.filter((v) => v.hostId === hostId).map((v) => v.id);
  return [
    ...state.model.ports.filter((p) => p.hostId === hostId).map((p): InventoryChange => ({ op: "remove_port", id: p.id })),
    ...vmIds.map((id): InventoryChange => ({ op: "remove_vm", id })),
    { op: "remove_host", id: hostId },
  ];
}
