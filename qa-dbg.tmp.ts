import { startVnet } from "./src/server/index";
const t = setTimeout(() => { console.log("still pending after 8s"); process.exit(3); }, 8000);
try { await startVnet({ dataDir: "/proc/x", api: { port: 7403 }, controller: { host: "127.0.0.1", port: 6791 } } as any); console.log("started?"); }
catch (e) { console.log("threw:", (e as Error).message); }
clearTimeout(t);
console.log("handles:", (process as any)._getActiveHandles().map((h: any) => h.constructor.name));
