import { defineConfig } from "vitest/config";

// Node-side tests (unit, SQL against PGlite or DATABASE_URL, HTTP against the Node server). The in-workerd tests
// have their own project in test/worker/vitest.config.ts.
export default defineConfig({
  test: {
    globalSetup: ["test/support/global-setup.ts"],
    include: ["test/**/*.test.ts"],
    exclude: ["test/worker/**", "node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // PGlite instances are memory-hungry and single-threaded; two workers match the 2-core machine.
    maxWorkers: 2,
  },
});
