/**
 * The in-workerd suite: the real Worker entry (functions/worker.ts, wrangler.toml) runs inside workerd through
 * @cloudflare/vitest-pool-workers and reaches a real database over TCP. global-setup.ts (Node side) starts that
 * database and provides its URL, which becomes the Worker's DATABASE_URL binding.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { TEST_JWT_SECRET } from "../support/auth";

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL("../../", import.meta.url));

// pg's helper packages publish ESM entries that do not load in the pool's module runner; their CommonJS entries do.
const commonJs = (name: string) => require.resolve(name, { paths: [root] });

export default defineConfig({
  root,
  plugins: [
    cloudflareTest(({ inject }) => ({
      main: "./functions/worker.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        // Secrets a deployment sets with `wrangler secret put`; test-only values.
        bindings: {
          DATABASE_URL: inject("workerDatabaseUrl"),
          JWT_SECRET: TEST_JWT_SECRET,
          LOG_LEVEL: "silent",
          // Every test request comes from one (unknown) address.
          RATE_LIMIT_PER_MINUTE: "0",
          REGISTER_FREE_PER_CLIENT: "1000000",
          // The suite's files share one origin and two databases, so a cached answer from one would leak into
          // another; edge-cache.test.ts turns it on with a host of its own per test.
          EDGE_CACHE: "false",
        },
        // wrangler.toml's [[hyperdrive]] binding, pointed at the suite database instead of localConnectionString.
        hyperdrives: { HYPERDRIVE: inject("workerDatabaseUrl") },
      },
    })),
  ],
  resolve: {
    alias: {
      "pg-protocol": commonJs("pg-protocol"),
      "pg-pool": commonJs("pg-pool"),
      "pg-connection-string": commonJs("pg-connection-string"),
      "pg-cloudflare": fileURLToPath(new URL("../../node_modules/pg-cloudflare/dist/index.js", import.meta.url)),
    },
  },
  test: {
    name: "workerd",
    globalSetup: ["test/worker/global-setup.ts"],
    include: ["test/worker/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One database connection at a time (see global-setup.ts): files and tests run one after another.
    fileParallelism: false,
    onUnhandledError(error) {
      // Closing a TCP socket from workerd rejects an internal promise with exactly this message (an upstream bug
      // in the Workers socket path); the request has already completed. Anything else still fails the run.
      if ((error as Error | undefined)?.message === "Stream was cancelled.") return false;
    },
  },
});
