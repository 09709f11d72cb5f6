/** GET /health: database reachable (and how fast), migrations applied, version. */

import { createRoute, z } from "@hono/zod-openapi";
import type { App, AppContext } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import type { RpcRow } from "../../lib/db/port";

export const Health = z
  .object({
    status: z.enum(["ok", "migrations_pending"]),
    version: z.string(),
    database: z.object({
      ok: z.boolean(),
      adapter: z.enum(["pglite", "postgres", "supabase", "neon"]),
      latencyMs: z.number().openapi({ description: "Round trip of the health query." }),
      serverVersion: z.string(),
    }),
    migrations: z.object({
      applied: z.number().int(),
      latest: z.string().nullable(),
      expected: z
        .string()
        .nullable()
        .openapi({ description: "Newest migration this build ships, when the server knows it." }),
      upToDate: z.boolean().nullable(),
    }),
  })
  .openapi("Health");

export const route = createRoute({
  method: "get",
  path: "/health",
  tags: ["System"],
  summary: "Readiness: database and migrations",
  responses: {
    200: { description: "Database reachable.", content: { "application/json": { schema: Health } } },
    ...errorResponses(405, 503),
  },
});

/** The readiness answer (GET /health and the seed's GET /api/v1/health/). */
export async function healthAnswer(c: AppContext) {
  const { db, config, expectedMigration } = c.get("services");
  const started = performance.now();
  let row: RpcRow<"marquee_health"> | undefined;
  try {
    [row] = await db.rpc("marquee_health");
    if (!row) throw new Error("marquee_health returned no row");
  } catch (error) {
    throw new ApiError("SERVICE_UNAVAILABLE", "the database is unreachable or not migrated", { cause: error });
  }
  const latencyMs = Math.round((performance.now() - started) * 100) / 100;
  // Compare timestamps only: a database migrated by `supabase db push` records versions, not file names.
  const version = (name: string | null) => name?.slice(0, 14) ?? null;
  const upToDate = expectedMigration ? version(row.latest_migration) === version(expectedMigration) : null;
  c.header("Cache-Control", "no-store");
  return {
    status: upToDate === false ? ("migrations_pending" as const) : ("ok" as const),
    version: config.APP_VERSION,
    database: { ok: true, adapter: db.kind, latencyMs, serverVersion: String(row.server_version) },
    migrations: {
      applied: Number(row.migrations_applied),
      latest: row.latest_migration,
      expected: expectedMigration ?? null,
      upToDate,
    },
  };
}

export function register(app: App) {
  app.openapi(route, async (c) => c.json(await healthAnswer(c), 200));
}
