/**
 * `marquee eval similar`'s franchise check on a tiny catalogue: two real series (Toy Story, held together by its
 * TMDB collection; the Before trilogy, by its director, leads and keywords alone), the films that compete with them
 * (Pixar's other films, Boyhood), and a "franchise" of unrelated films. The check's figures must be what
 * get_similar_movies ranks, and move when the ranking does.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFranchises } from "../../node/cli/eval-similar";
import type { Franchise } from "../../node/eval/franchises";
import { checkFranchises, findFranchiseFilms, formatSimilarCheck } from "../../node/eval/similar";
import { freshDatabase, type TestDatabase } from "../support/database";

let db: TestDatabase;

const TOY_STORY: [number, string] = [10194, "Toy Story Collection"];
const PIXAR = ["Tom Hanks", "Tim Allen", "Don Rickles"];
const BEFORE = ["Ethan Hawke", "Julie Delpy"];
const FILMS = [
  {
    id: 862,
    title: "Toy Story",
    year: 1995,
    genres: ["Animation", "Family"],
    director: "John Lasseter",
    cast: PIXAR,
    keywords: ["toy", "friendship"],
    collection: TOY_STORY,
  },
  {
    id: 863,
    title: "Toy Story 2",
    year: 1999,
    genres: ["Animation", "Family"],
    director: "John Lasseter",
    cast: PIXAR,
    keywords: ["toy", "collector"],
    collection: TOY_STORY,
  },
  {
    id: 10193,
    title: "Toy Story 3",
    year: 2010,
    genres: ["Animation", "Family"],
    director: "Lee Unkrich",
    cast: PIXAR,
    keywords: ["toy", "day care"],
    collection: TOY_STORY,
  },
  {
    id: 12,
    title: "Finding Nemo",
    year: 2003,
    genres: ["Animation", "Family"],
    director: "Andrew Stanton",
    cast: ["Albert Brooks"],
    keywords: ["friendship", "ocean"],
  },
  {
    id: 585,
    title: "Monsters, Inc.",
    year: 2001,
    genres: ["Animation", "Family"],
    director: "Pete Docter",
    cast: ["John Goodman"],
    keywords: ["friendship", "monster"],
  },
  {
    id: 76,
    title: "Before Sunrise",
    year: 1995,
    genres: ["Romance", "Drama"],
    director: "Richard Linklater",
    cast: BEFORE,
    keywords: ["vienna", "train", "conversation"],
  },
  {
    id: 80,
    title: "Before Sunset",
    year: 2004,
    genres: ["Romance", "Drama"],
    director: "Richard Linklater",
    cast: BEFORE,
    keywords: ["paris", "conversation", "reunion"],
  },
  {
    id: 132344,
    title: "Before Midnight",
    year: 2013,
    genres: ["Romance", "Drama"],
    director: "Richard Linklater",
    cast: BEFORE,
    keywords: ["greece", "conversation", "marriage"],
  },
  {
    id: 85350,
    title: "Boyhood",
    year: 2014,
    genres: ["Drama"],
    director: "Richard Linklater",
    cast: ["Ellar Coltrane", "Ethan Hawke"],
    keywords: ["coming of age"],
  },
  {
    id: 949,
    title: "Heat",
    year: 1995,
    genres: ["Action", "Crime"],
    director: "Michael Mann",
    cast: ["Al Pacino", "Robert De Niro"],
    keywords: ["heist"],
  },
];

const LIST: Franchise[] = [
  {
    name: "Toy Story",
    films: [
      { title: "Toy Story", year: 1995 },
      { title: "Toy Story 2", year: 1999 },
      { title: "Toy Story 3", year: 2010 },
      { title: "Toy Story 4", year: 2019 },
    ],
  },
  {
    name: "Before trilogy",
    films: [
      { title: "Before Sunrise", year: 1995 },
      { title: "Before Sunset", year: 2004 },
      { title: "Before Midnight", year: 2013 },
    ],
  },
  // Not a series: Heat and Finding Nemo share nothing, so neither is in the other's top films.
  {
    name: "Unrelated",
    films: [
      { title: "Heat", year: 1995 },
      { title: "Finding Nemo", year: 2003 },
    ],
  },
  {
    name: "Only one held",
    films: [
      { title: "Boyhood", year: 2014 },
      { title: "Dazed and Confused", year: 1993 },
    ],
  },
];

async function refreshViews() {
  await db.exec(
    "refresh materialized view public.movie_features; refresh materialized view public.catalogue_language_shares",
  );
}

beforeAll(async () => {
  db = await freshDatabase();
  await db.query(
    `insert into public.movies (id, title, original_title, release_year, genres, keywords, cast_names, director,
       original_language, vote_count, vote_average, popularity, collection_id, collection_name)
     select id, title, title, year, genres, keywords, "cast", director, 'en', 1000, 7, 10,
            (collection ->> 0)::int, collection ->> 1
     from jsonb_to_recordset($1::jsonb) as x(id int, title text, year smallint, genres text[], keywords text[],
       "cast" text[], director text, collection jsonb)`,
    [JSON.stringify(FILMS)],
  );
  await refreshViews();
}, 60_000);

afterAll(async () => {
  await db?.dispose();
});

/** What get_similar_movies itself says: siblings among each film's top k, summed over the franchise. */
async function siblingsInTop(ids: number[], k: number): Promise<number> {
  let hits = 0;
  for (const id of ids) {
    const top = await db.rpc("get_similar_movies", { p_movie_id: id, p_limit: k });
    hits += top.filter((r) => ids.includes(Number(r.movie?.id)) && r.movie?.id !== id).length;
  }
  return hits;
}

describe("marquee eval similar (franchise check)", () => {
  it("finds listed films by folded title and year, and skips those the catalogue lacks", async () => {
    const found = await findFranchiseFilms(db, [
      {
        name: "spellings",
        films: [
          { title: "toy story 2", year: 2000 },
          { title: "Monsters Inc", year: 2001 },
          { title: "Heat", year: 1986 },
        ],
      },
    ]);
    expect(Object.fromEntries([...found].map(([key, film]) => [key, film.id]))).toEqual({
      "toy story 2 (2000)": 863,
      "Monsters Inc (2001)": 585,
    });
  });

  it("counts each franchise's siblings in the top k as get_similar_movies ranks them", async () => {
    const k = 2;
    const result = await checkFranchises(db, LIST, { k });
    const report = formatSimilarCheck(result, { verbose: true });
    const [toy, before, unrelated, single] = result.franchises;

    expect(toy.missing, report).toEqual(["Toy Story 4 (2019)"]);
    expect(toy.films.map((f) => f.id)).toEqual([862, 863, 10193]);
    expect(toy.hits, report).toBe(await siblingsInTop([862, 863, 10193], k));
    expect(before.hits, report).toBe(await siblingsInTop([76, 80, 132344], k));
    expect(unrelated.hits, report).toBe(await siblingsInTop([949, 12], k));
    expect([toy.possible, before.possible, unrelated.possible], "min(siblings, k) per film").toEqual([6, 6, 2]);
    expect(toy.rate, `the collection holds Toy Story together\n${report}`).toBe(1);
    expect(unrelated.rate, report).toBe(0);
    expect(single, "one film held: nothing to measure").toMatchObject({ rate: null, films: [], possible: 0 });

    expect(result.counted).toBe(3);
    expect(result.hits).toBe(toy.hits + before.hits + unrelated.hits);
    expect(result.possible).toBe(14);
    expect(result.rate).toBeCloseTo(result.hits / 14, 10);
    expect(report).toContain(`siblings in the top 2: ${result.hits} of 14 places`);
  });

  it("moves when the ranking does: Before Midnight without its leads and themes loses its siblings", async () => {
    const k = 2;
    const [, before] = (await checkFranchises(db, LIST, { k })).franchises;
    await db.query("update public.movies set cast_names = $2, keywords = $3, director = 'Someone Else' where id = $1", [
      132344,
      ["Seamus Davey-Fitzpatrick"],
      ["greece"],
    ]);
    await refreshViews();
    const [, after] = (await checkFranchises(db, LIST, { k })).franchises;
    expect(after.hits, JSON.stringify({ before: before.hits, after: after.hits })).toBeLessThan(before.hits);
    expect(after.hits).toBe(await siblingsInTop([76, 80, 132344], k));
  });

  it("reads a franchise list from JSON, with a clear error for a malformed one", async () => {
    const { mkdtemp, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(`${tmpdir()}/franchises-`);
    await writeFile(`${dir}/ok.json`, JSON.stringify(LIST.slice(0, 2)));
    expect((await readFranchises(`${dir}/ok.json`)).map((f) => f.name)).toEqual(["Toy Story", "Before trilogy"]);
    await writeFile(`${dir}/bad.json`, JSON.stringify([{ name: "Alone", films: [{ title: "Heat", year: 1995 }] }]));
    await expect(readFranchises(`${dir}/bad.json`)).rejects.toThrow(/--franchises .*bad\.json: 0\.films/);
  });
});
