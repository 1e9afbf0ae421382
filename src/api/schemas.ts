// Request and response schemas (TypeBox → JSON Schema → OpenAPI at /docs). They check the *shape*
// of requests; the model's validation (src/model/validate.ts) decides what is *valid*, so no rule
// is written twice. Response schemas also keep internal fields from leaking (fastify drops
// properties a response schema does not list).
import type {} from "@fastify/swagger"; // adds tags/summary to route schemas
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import type {} from "./services";

// Null first: with type coercion on (query strings need it), ajv would otherwise turn null into "".
const Nullable = <T extends TSchema>(t: T) => Type.Union([Type.Null(), t]);

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Array(Type.Object({ path: Type.String(), code: Type.String(), message: Type.String() }))),
    }),
  },
  { $id: "Error" },
);

/** Every route answers these on failure. */
export const errorResponses = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
  422: ErrorResponse,
  500: ErrorResponse,
  502: ErrorResponse,
};

export const RefParams = Type.Object({ ref: Type.String({ description: "id or name" }) });

// ---- tenants ----
export const Tenant = Type.Object({ id: Type.String(), name: Type.String() });
export const TenantCreate = Type.Object({ name: Type.String() }, { additionalProperties: false });

// ---- hosts ----
export const HostStatus = Type.Object({
  ovsdbConnected: Type.Boolean(),
  openflowConnected: Type.Boolean(),
  dpid: Type.Optional(Type.String()),
  libvirtReachable: Type.Boolean(),
});
export const Host = Type.Object({
  id: Type.String(),
  name: Type.String(),
  backend: Type.String(),
  managementAddress: Type.Optional(Type.String()),
  ovsdbTarget: Type.Optional(Type.String()),
  tunnelIp: Type.Optional(Nullable(Type.String())),
  uplink: Type.Optional(Nullable(Type.String())),
  libvirtUri: Type.Optional(Nullable(Type.String())),
  status: Type.Optional(HostStatus),
  counts: Type.Optional(Type.Object({ vms: Type.Integer(), ports: Type.Integer(), runningVms: Type.Integer() })),
});
export const HostCreate = Type.Object(
  {
    name: Type.String(),
    managementAddress: Type.String(),
    ovsdbTarget: Type.String(),
    backend: Type.String({ description: '"ovs" or "bridge"' }),
    tunnelIp: Type.Optional(Nullable(Type.String())),
    uplink: Type.Optional(Nullable(Type.String())),
    libvirtUri: Type.Optional(Nullable(Type.String())),
  },
  { additionalProperties: false },
);
export const HostUpdate = Type.Partial(Type.Omit(HostCreate, ["name"]), { additionalProperties: false });
export const ForceQuery = Type.Object({ force: Type.Optional(Type.Boolean({ default: false })) });

// ---- networks ----
const IpRange = Type.Object({ start: Type.String(), end: Type.String() });
export const Network = Type.Object({
  id: Type.String(),
  tenantId: Type.String(),
  tenant: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  segmentationId: Nullable(Type.Integer()),
  subnet: Type.String(),
  gateway: Nullable(Type.String()),
  dhcpRange: Nullable(IpRange),
  dns: Type.Array(Type.String()),
  leaseSeconds: Type.Optional(Nullable(Type.Integer())),
  mtu: Type.Optional(Nullable(Type.Integer())),
});
export const NetworkCreate = Type.Object(
  {
    name: Type.String(),
    tenant: Type.Optional(Type.String({ description: "tenant id or name; a tenant token may omit it" })),
    kind: Type.Optional(Type.String({ description: '"overlay" (default) or "provider"' })),
    segmentationId: Type.Optional(Nullable(Type.Integer({ description: "VNI (overlay, default: next free) or VLAN id (provider)" }))),
    subnet: Type.String(),
    gateway: Type.Optional(Nullable(Type.String())),
    dhcpRange: Type.Optional(Nullable(IpRange)),
    dns: Type.Optional(Type.Array(Type.String())),
    leaseSeconds: Type.Optional(Nullable(Type.Integer())),
    mtu: Type.Optional(Nullable(Type.Integer({ description: "interface MTU handed out by DHCP (option 26), 68-9216, e.g. 1450 under VXLAN; null: none" }))),
  },
  { additionalProperties: false },
);
export const NetworkUpdate = Type.Partial(Type.Omit(NetworkCreate, ["tenant", "kind"]), { additionalProperties: false });
export const NetworkListQuery = Type.Object({ tenant: Type.Optional(Type.String()) });

// ---- VMs ----
export const Nic = Type.Object({
  id: Type.String(),
  networkId: Type.String(),
  network: Type.String(),
  mac: Type.String(),
  ip: Nullable(Type.String()),
  ipAssignment: Type.String(),
  ifaceId: Type.String(),
  netns: Type.Optional(Type.String()),
});
export const Vm = Type.Object({
  id: Type.String(),
  name: Type.String(),
  tenantId: Type.String(),
  tenant: Type.String(),
  hostId: Type.String(),
  host: Type.String(),
  driver: Type.String(),
  state: Type.String(),
  netns: Type.Optional(Nullable(Type.String())),
  lastError: Type.Optional(Nullable(Type.String())),
  nics: Type.Array(Nic),
});
export const NicCreate = Type.Object(
  {
    network: Type.String({ description: "network id, or name within the VM's tenant" }),
    mac: Type.Optional(Type.String({ description: "default: a random locally administered MAC" })),
    ip: Type.Optional(Nullable(Type.String({ description: "default: allocated by the IPAM" }))),
  },
  { additionalProperties: false },
);
export const VmCreate = Type.Object(
  {
    name: Type.String(),
    tenant: Type.Optional(Type.String({ description: "tenant id or name; a tenant token may omit it" })),
    host: Type.String({ description: "host id or name" }),
    driver: Type.Optional(Type.String({ description: '"netns" (default) or "libvirt"' })),
    nics: Type.Array(NicCreate, { maxItems: 16 }),
  },
  { additionalProperties: false },
);
export const NicParams = Type.Object({ ref: Type.String(), nic: Type.String({ description: "NIC (port) id or MAC" }) });
/** Moves a NIC to another network of the VM's tenant and/or changes its MAC or address (the model's update_port). */
export const NicUpdate = Type.Object(
  {
    network: Type.Optional(Type.String({ description: "network id, or name within the VM's tenant; omitted: stays" })),
    mac: Type.Optional(Type.String()),
    ip: Type.Optional(Nullable(Type.String({ description: "a fixed address; omitted or null: kept in the same network, allocated by the IPAM in a new one" }))),
  },
  { additionalProperties: false, minProperties: 1 },
);

// ---- switches (observed) ----
export const SwitchPort = Type.Object({
  portNo: Type.Integer(),
  name: Type.String(),
  hwAddr: Type.String(),
  up: Type.Boolean(),
  vm: Type.Optional(Type.String()),
  tenant: Type.Optional(Type.String()),
  tunnel: Type.Optional(Type.String()),
});
export const Switch = Type.Object({
  dpid: Type.String(),
  host: Type.String(),
  name: Type.String(),
  connected: Type.Boolean(),
  ports: Type.Array(SwitchPort),
});
export const DpidParams = Type.Object({ dpid: Type.String() });
export const Flow = Type.Object({
  id: Type.Integer(),
  tableId: Type.Integer(),
  priority: Type.Integer(),
  cookie: Type.String(),
  match: Type.String(),
  actions: Type.String(),
  text: Type.String({ description: "the flow in ovs-ofctl dump-flows form, with counters" }),
  tenant: Type.Optional(Type.String()),
  vm: Type.Optional(Type.String()),
  network: Type.Optional(Type.String()),
  packets: Type.Number(),
  bytes: Type.Number(),
  pps: Type.Number(),
  bps: Type.Number(),
});
export const FlowQuery = Type.Object({
  table: Type.Optional(Type.Integer()),
  tenant: Type.Optional(Type.String()),
  vm: Type.Optional(Type.String()),
});
export const PortCounters = Type.Object({
  portNo: Type.Integer(),
  rxPackets: Type.Number(),
  txPackets: Type.Number(),
  rxBytes: Type.Number(),
  txBytes: Type.Number(),
  rxBps: Type.Number(),
  txBps: Type.Number(),
});
export const Group = Type.Object({
  groupId: Type.Integer(),
  type: Type.String(),
  buckets: Type.String(),
  packets: Type.Number(),
  bytes: Type.Number(),
});

export const Topology = Type.Object({
  hosts: Type.Array(
    Type.Object({
      name: Type.String(),
      backend: Type.String(),
      address: Type.String(),
      ovsdbConnected: Type.Boolean(),
      openflowConnected: Type.Boolean(),
      dpid: Type.Optional(Type.String()),
      libvirtReachable: Type.Boolean(),
    }),
  ),
  switches: Type.Array(Switch),
  tunnels: Type.Array(
    Type.Object({ id: Type.String(), fromHost: Type.String(), toHost: Type.String(), kind: Type.String(), remoteIp: Type.String(), up: Type.Boolean() }),
  ),
  vms: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      tenant: Type.String(),
      host: Type.String(),
      state: Type.String(),
      nics: Type.Array(
        Type.Object({ network: Type.String(), mac: Type.String(), ip: Type.Optional(Type.String()), netns: Type.Optional(Type.String()), portNo: Type.Optional(Type.Integer()) }),
      ),
    }),
  ),
  networks: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), tenant: Type.String(), subnet: Type.String() })),
});

// ---- trace ----
export const TraceBody = Type.Object(
  {
    from: Type.String({ description: "VM id or name" }),
    to: Type.String({ description: "VM id or name" }),
    protocol: Type.Optional(Type.Union([Type.Literal("icmp"), Type.Literal("tcp"), Type.Literal("udp"), Type.Literal("arp")])),
    dstPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  },
  { additionalProperties: false },
);
export const TraceResult = Type.Object({
  steps: Type.Array(
    Type.Object({
      host: Type.String(),
      table: Type.String(),
      tableId: Type.Integer(),
      priority: Type.Integer(),
      match: Type.String(),
      actions: Type.String(),
      owner: Type.Optional(Type.String()),
    }),
  ),
  verdict: Type.String(),
  delivered: Type.Boolean(),
});

// ---- session ----
export const SessionCreate = Type.Object({ token: Type.String() }, { additionalProperties: false });
export const Session = Type.Object({
  role: Type.Union([Type.Literal("admin"), Type.Literal("tenant")]),
  tenantId: Nullable(Type.String()),
  tenant: Nullable(Type.String()),
  tokenName: Type.String(),
  csrf: Type.Optional(Type.String({ description: "send back as X-CSRF-Token on unsafe requests (cookie sessions)" })),
});

export type HostCreateBody = Static<typeof HostCreate>;
export type NetworkCreateBody = Static<typeof NetworkCreate>;
export type VmCreateBody = Static<typeof VmCreate>;
export type NicCreateBody = Static<typeof NicCreate>;
export type NicUpdateBody = Static<typeof NicUpdate>;
export type TraceBodyT = Static<typeof TraceBody>;

// ---- benchmark runs (`vnet bench dataplane`'s results directory, read-only) ----
export const BenchRunParams = Type.Object({ id: Type.String({ description: "run id, YYYYMMDD-HHMMSS-xxxx" }) });
export const BenchPlotParams = Type.Object({ id: Type.String(), name: Type.String({ description: "a plot's file name, as listed by GET /api/bench/runs/:id" }) });
export const BenchRunListing = Type.Object({
  id: Type.String(),
  startedAt: Type.String(),
  status: Type.String({ description: "running, done, interrupted or failed" }),
  durationS: Type.Optional(Type.Number()),
  quick: Type.Boolean(),
  vm: Type.String(),
  scenarios: Type.Array(Type.String()),
  backends: Type.Array(Type.String()),
  cases: Type.Integer(),
  failedCases: Type.Integer(),
  machine: Type.String({ description: "CPUs × model, kernel" }),
});
export const BenchRun = Type.Composite([
  BenchRunListing,
  Type.Object({
    finishedAt: Type.Optional(Type.String()),
    command: Type.String(),
    loadAverage: Type.Array(Type.Number(), { description: "when the run started: a busy machine makes noisy numbers" }),
    notes: Type.Array(Type.String()),
    plots: Type.Array(Type.Object({ name: Type.String(), title: Type.String(), url: Type.String() })),
  }),
]);
