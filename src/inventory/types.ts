// The inventory: vnet's desired state (the tenant model plus the VMs that own its ports) and the
// API's credentials, behind one interface so that a distributed store can replace SQLite later.
import type { Id, ModelChange, NetworkModel, Result } from "../model/types";

export type VmDriverKind = "netns" | "libvirt";
export const VM_DRIVER_KINDS: readonly VmDriverKind[] = ["netns", "libvirt"];

/**
 * defined: recorded, not (yet) created by a driver; stopped / running: as the driver last
 * reported; error: the last driver operation failed (see `lastError`).
 */
export type VmState = "defined" | "stopped" | "running" | "error";

export interface Vm {
  id: Id;
  /** Unique among VMs. */
  name: string;
  tenantId: Id;
  hostId: Id;
  driver: VmDriverKind;
  state: VmState;
  /** For netns VMs, the namespace the driver made; absent until the driver created it. */
  netns?: string | null;
  lastError?: string | null;
}

export interface InventoryState {
  model: NetworkModel;
  vms: readonly Vm[];
}

export type VmChange =
  | { op: "add_vm"; vm: Vm }
  | { op: "update_vm"; vm: Vm }
  | { op: "remove_vm"; id: Id };

export type InventoryChange = ModelChange | VmChange;

export type Role = "admin" | "tenant";

export interface TokenRecord {
  id: Id;
  name: string;
  role: Role;
  /** Set when role is "tenant". */
  tenantId: Id | null;
  createdAt: string;
}

export interface SessionRecord {
  id: Id;
  tokenId: Id;
  /** Sent back by the browser in a header on every unsafe request (double submit). */
  csrf: string;
  expiresAt: string;
}

export type ChangeListener = (state: InventoryState, changes: readonly InventoryChange[]) => void;

export interface InventoryStore {
  state(): InventoryState;
  /**
   * Applies the changes atomically: all are validated against the state each previous one left,
   * then persisted in one transaction; on any error nothing changes. When it returns ok, the
   * change is on disk (survives kill -9).
   */
  commit(changes: readonly InventoryChange[]): Result<InventoryState>;
  onChange(listener: ChangeListener): () => void;

  /** Stores only the hash of `secret`. */
  addToken(record: TokenRecord, secret: string): void;
  tokenBySecret(secret: string): TokenRecord | undefined;
  tokenById(id: Id): TokenRecord | undefined;
  listTokens(): TokenRecord[];
  removeToken(id: Id): boolean;

  addSession(session: SessionRecord, secret: string): void;
  sessionBySecret(secret: string, now: Date): SessionRecord | undefined;
  removeSession(secret: string): void;

  close(): void;
}
