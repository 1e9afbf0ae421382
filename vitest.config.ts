import { defineConfig } from "vitest/config";

// Integration tests build real namespaces and OVS instances; each file uses unique names, so files
// may run side by side, but the machine has two cores: two workers keep timing-sensitive tests sane.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
