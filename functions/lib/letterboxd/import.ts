/**
 * Imports a Letterboxd export for one user through the database port, so the Worker's upload route and the
 * operator's CLI run the same code. Every file's header is checked before anything is written; then rows stream
 * from the (inflating) CSV parser in batches to import_letterboxd_rows, which matches and applies them in SQL.
 * Re-importing is safe: every write there is idempotent, and the newest timestamp wins.
 */
import type { Database, RpcRow } from "../db/port";
import {
  asExportError,
  ExportError,
  type ExportLimits,
  type ExportSource,
  exportSources,
  extractedSources,
  headerIndex,
  type ImportRow,
  toImportRow,
} from "./export";

export interface ImportLimits extends ExportLimits {
  /** Data rows over all files. */
  maxRows: number;
  /** Rows sent per database call (import_letterboxd_rows takes at most 2,000). */
  batchSize?: number;
}

export interface ImportOptions {
  userId: string;
  /** The caller's JWT, for adapters that apply RLS as the user (Supabase). */
  jwt?: string;
  /** The upload: a ZIP export or one of its CSV files... */
  fileName?: string;
  bytes?: Uint8Array;
  /** ...or the export's files already extracted (paths relative to its folder). */
  files?: { path: string; bytes: Uint8Array }[];
  limits: ImportLimits;
  username?: string;
  publicProfile?: boolean;
}

export type ImportReport = RpcRow<"get_letterboxd_import">;

async function checkHeaders(sources: ExportSource[]): Promise<void> {
  for (const source of sources) {
    const records = source.records();
    try {
      const first = await records.next();
      if (first.done) throw new ExportError(`${source.path} is empty`);
      headerIndex(source.path, first.value);
    } catch (error) {
      throw asExportError(error, source.path);
    } finally {
      await records.return(undefined);
    }
  }
}

export async function importLetterboxdExport(db: Database, options: ImportOptions): Promise<ImportReport> {
  const { userId, jwt, limits } = options;
  const batchSize = Math.min(limits.batchSize ?? 1000, 2000);
  const sources = options.files
    ? extractedSources(options.files)
    : exportSources(options.fileName ?? "", options.bytes ?? new Uint8Array(), limits);
  await checkHeaders(sources);

  const [opened] = await db.rpc(
    "begin_letterboxd_import",
    {
      p_user_id: userId,
      p_files: sources.map((s) => s.path),
      p_username: options.username,
      p_public_profile: options.publicProfile,
    },
    { jwt },
  );
  const importId = String(opened?.id);
  let rows = 0;
  try {
    for (const source of sources) {
      let batch: ImportRow[] = [];
      let index: Record<string, number> | undefined;
      let line = 0;
      try {
        for await (const record of source.records()) {
          line++;
          if (!index) {
            index = headerIndex(source.path, record);
            continue;
          }
          const row = toImportRow(source.kind, source.path, line, record, index);
          if (!row) continue;
          rows++;
          if (rows > limits.maxRows) {
            throw new ExportError(`the export has more than ${limits.maxRows} rows`, 413);
          }
          batch.push(row);
          if (batch.length >= batchSize) {
            await db.rpc(
              "import_letterboxd_rows",
              { p_user_id: userId, p_import_id: importId, p_rows: batch },
              { jwt },
            );
            batch = [];
          }
        }
      } catch (error) {
        throw asExportError(error, source.path);
      }
      if (batch.length > 0) {
        await db.rpc("import_letterboxd_rows", { p_user_id: userId, p_import_id: importId, p_rows: batch }, { jwt });
      }
    }
  } catch (error) {
    const message = error instanceof ExportError ? error.message : "the import stopped on a server fault";
    await db
      .rpc("finish_letterboxd_import", { p_user_id: userId, p_import_id: importId, p_error: message }, { jwt })
      .catch(() => {});
    throw error;
  }
  await db.rpc("finish_letterboxd_import", { p_user_id: userId, p_import_id: importId }, { jwt });
  const [report] = await db.rpc("get_letterboxd_import", { p_user_id: userId, p_import_id: importId }, { jwt });
  if (!report) throw new Error("the finished import has no record");
  return report;
}
