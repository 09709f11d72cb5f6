/** `marquee migrate`: applies pending migrations to the configured database. */
import { migrate } from "../db/migrate";
import { type Command, loadConfig, openJobDatabase, parseOptions } from "./command";

export const migrateCommand: Command = {
  name: "migrate",
  summary: "Apply pending migrations (DATABASE_URL, or the embedded database in MARQUEE_DATA_DIR)",
  usage: "",
  async run(args) {
    parseOptions(args, {});
    const db = await openJobDatabase(loadConfig());
    try {
      const result = await migrate(db, { log: (line) => console.log(line) });
      console.log(`${result.applied.length} applied, ${result.total} in total`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
