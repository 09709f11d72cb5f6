/**
 * Title search with a word most titles share: match_movies looks up only the query's rarer words in the full-text
 * index (a word the column statistics list in 5% of films or more is checked on the rows found instead). The rule
 * guarded: the answer is every film whose title has all the words, exact title first, as a plain reading of the
 * titles gives it; and the shortcut is really taken (the statistics call "film" common).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase, type TestDatabase } from "../support/database";

let db: TestDatabase;

beforeAll(async () => {
  db = await freshDatabase();
  // 400 films named "Film N" (the best known first) and 40 others, so that "film" is in 90% of the titles.
  await db.query(
    `insert into public.movies (id, title, original_title, release_year, original_language, genres, popularity,
       vote_count, vote_average)
     select i, 'Film ' || i, 'Film ' || i, 1950 + i % 70, 'en', array['Drama'], 1, 10000 - i, 6
     from generate_series(1, 400) i
     union all
     select 1000 + i, 'Night Train ' || i, 'Night Train ' || i, 1980, 'en', array['Drama'], 1, 5, 6
     from generate_series(1, 40) i`,
  );
  await db.exec("analyze public.movies");
});
afterAll(async () => {
  await db?.dispose();
});

const search = async (q: string) =>
  (
    await db.query<{ id: number; match: string }>(
      "select (movie).id as id, match from public.match_movies(p_title => $1, p_limit => 50)",
      [q],
    )
  ).map((r) => r.id);

describe("match_movies with a common word", () => {
  it("counts on the statistics calling the common word common", async () => {
    const [row] = await db.query<{ freq: number | null }>(
      `select e.freq from pg_stats st,
         unnest(st.most_common_elems::text::text[], st.most_common_elem_freqs) as e(lexeme, freq)
       where st.schemaname = 'public' and st.tablename = 'movies' and st.attname = 'search_vector'
         and e.lexeme = 'film'`,
    );
    expect(Number(row?.freq)).toBeGreaterThanOrEqual(0.05);
  });

  it("finds every title with both words, the exact title first, in either word order", async () => {
    // Titles whose words start with "film" and "12": Film 12 and Film 120 to Film 129.
    const expected = [12, ...Array.from({ length: 10 }, (_, k) => 120 + k)];
    const got = await search("film 12");
    expect(got[0], "the exact title first").toBe(12);
    expect([...got].sort((a, b) => a - b)).toEqual(expected);
    expect((await search("12 film")).sort((a, b) => a - b)).toEqual(expected);
  });

  it("leaves out titles that have the rare word but not the common one", async () => {
    const got = await search("night 3");
    expect(got.sort((a, b) => a - b)).toEqual([1003, 1030, 1031, 1032, 1033, 1034, 1035, 1036, 1037, 1038, 1039]);
    const films = await search("film 3");
    expect(
      films.every((id) => id < 1000),
      "no Night Train has the word film",
    ).toBe(true);
    expect(films[0], "the exact title first").toBe(3);
    expect(films, "111 titles match: the limit").toHaveLength(50);
  });
});
