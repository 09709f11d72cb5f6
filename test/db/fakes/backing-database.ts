/**
 * The real database behind the fake hosted services: a migrated in-memory PGlite with the catalogue fixture and
 * two test-only functions (never in migrations). The fakes hand it requests exactly as the hosted service would,
 * so results are real rows and errors real SQLSTATEs. It is PGlite even when DATABASE_URL is set: these tests
 * are about the adapters' HTTP protocol, and the raw PGlite instance gives the fakes text output and full errors.
 */
import { readFile } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { unaccent } from "@electric-sql/pglite/contrib/unaccent";
import { vector } from "@electric-sql/pglite-pgvector";
import { inject } from "vitest";
import { migrate } from "../../../node/db/migrate";
import { openPglite } from "../../../node/db/pglite";
import { loadCatalogFixture } from "../../support/catalog-fixture";

const TEST_FUNCTIONS = `
-- test_add_genre: inserts a genre (security definer, so anon may call it); a duplicate id raises 23505.
create function public.test_add_genre(p_id integer, p_name text)
returns setof public.genres
language sql
security definer
set search_path = public
as $$ insert into public.genres (id, name) values (p_id, p_name) returning * $$;

-- test_whoami: what auth.uid() and auth.role() see for the caller.
create function public.test_whoami()
returns table (uid uuid, role text)
language sql
stable
as $$ select auth.uid(), auth.role() $$;

-- test_echo: echoes typed arguments back, one row (types as PostgREST and Neon deliver them).
create function public.test_echo(p_text text, p_int integer, p_tags text[] default '{}', p_flag boolean default null)
returns table (text_value text, int_value integer, tags text[], flag boolean, big bigint, ratio numeric)
language sql
immutable
as $$ select p_text, p_int, p_tags, p_flag, 9007199254740::bigint, 2.5::numeric $$;

grant execute on function public.test_add_genre, public.test_whoami, public.test_echo to anon, authenticated;
`;

export async function backingDatabase(): Promise<PGlite> {
  const dump = inject("pgliteDump");
  let pglite: PGlite;
  if (dump) {
    const bytes = await readFile(dump);
    pglite = await PGlite.create({
      loadDataDir: new Blob([new Uint8Array(bytes)]),
      extensions: { vector, pg_trgm, unaccent },
    });
  } else {
    const db = await openPglite();
    await migrate(db);
    pglite = db.pglite;
  }
  await loadCatalogFixture(await openPglite({ instance: pglite }));
  await pglite.exec(TEST_FUNCTIONS);
  return pglite;
}
