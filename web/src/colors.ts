// Tenant colours: stable per tenant name (a hash into a palette chosen for legibility on white),
// so the same tenant has the same colour in the graph, the flow table and the forms.
const PALETTE = ["#d1495b", "#2e86ab", "#3f8f4f", "#e09f3e", "#7a4eab", "#1b998b", "#c05299", "#5c6b73", "#8f6b28", "#2d5d9f"];

// Tenants named after a colour (common in labs and demos) get that colour.
const NAMED: Record<string, string> = {
  red: "#d1495b",
  blue: "#2e86ab",
  green: "#3f8f4f",
  orange: "#e09f3e",
  purple: "#7a4eab",
  teal: "#1b998b",
  pink: "#c05299",
  grey: "#5c6b73",
  gray: "#5c6b73",
  brown: "#8f6b28",
  navy: "#2d5d9f",
};

export function tenantColor(tenant: string | undefined): string {
  if (!tenant) return "#8a94a6";
  const named = NAMED[tenant.toLowerCase()];
  if (named) return named;
  let hash = 0;
  for (const ch of tenant) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length]!;
}
