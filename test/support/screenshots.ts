// Where browser tests save their screenshots. docs/screenshots/ holds the committed ones: a test
// run refreshes them only when asked (VNET_SCREENSHOTS=docs), so `npm test` leaves the work tree
// as it found it; otherwise they go to a temporary folder that is still there to look at.
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const SHOTS =
  process.env.VNET_SCREENSHOTS === "docs" ? resolve(__dirname, "../../docs/screenshots") : join(tmpdir(), "vnet-screenshots");
mkdirSync(SHOTS, { recursive: true });
