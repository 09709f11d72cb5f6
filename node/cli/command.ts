/** The shape of a CLI command, and small helpers every command shares. */
import { parseArgs } from "node:util";
import { type Config, ConfigError, parseConfig } from "../../functions/env";
import type { SqlDatabase } from "../../functions/lib/db/port";
import { isSqlDatabase, openDatabase } from "../server";

export interface Command {
  /** One or more words: "bench", "jobs nightly". */
  name: string;
  summary: string;
  usage: string;
  help?: string;
  /** Returns the process exit code. */
  run(args: string[]): Promise<number>;
}

export type OptionSpec = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

/** parseArgs with strict checking and a readable error. */
export function parseOptions<T extends OptionSpec>(args: string[], options: T) {
  return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
}

export function loadConfig(overrides: Record<string, string | undefined> = {}): Config {
  try {
    return parseConfig({ ...process.env, ...overrides });
  } catch (error) {
    if (error instanceof ConfigError) throw new Error(error.message);
    throw error;
  }
}

/** Opens the configured database for a job; jobs need direct SQL (PGlite or Postgres), not PostgREST. */
export async function openJobDatabase(config: Config): Promise<SqlDatabase> {
  const db = await openDatabase(config);
  if (!isSqlDatabase(db)) {
    await db.close();
    throw new Error(
      `jobs need a direct SQL connection: set DATABASE_URL (MARQUEE_DB=${config.MARQUEE_DB} is API-only)`,
    );
  }
  return db;
}
