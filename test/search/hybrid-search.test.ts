/**
 * Title matching, hybrid search and similar films on tiny named fixtures (PGlite, or PostgreSQL with DATABASE_URL):
 * each case breaks when its rule does. Films carry facts only; no co-ratings unless a case adds them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MovieCard } from "../../functions/lib/db/rpc-types";
import { freshDatabase, type TestDatabase } from "../support/database";

let db: TestDatabase;

interface Film {
  id: number;
  title: string;
  original?: string;
  year: number;
  genres: string[];
  keywords?: string[];
  cast?: string[];
  director?: string;
  language?: string;
  votes: number;
  collection?: [number, string];
}

const FILMS: Film[] = [
  {
    id: 1,
    title: "Batman",
    year: 1989,
    genres: ["Action", "Fantasy"],
    keywords: ["dc comics", "gotham city", "vigilante", "joker"],
    cast: ["Michael Keaton", "Jack Nicholson"],
    director: "Tim Burton",
    votes: 2000,
  },
  {
    id: 2,
    title: "Batman Returns",
    year: 1992,
    genres: ["Action", "Fantasy"],
    keywords: ["dc comics", "gotham city", "penguin"],
    cast: ["Michael Keaton", "Danny DeVito"],
    director: "Tim Burton",
    votes: 1700,
  },
  {
    id: 3,
    title: "Batman Begins",
    year: 2005,
    genres: ["Action", "Crime", "Drama"],
    keywords: ["dc comics", "gotham city", "vigilante", "superhero"],
    cast: ["Christian Bale", "Michael Caine", "Gary Oldman"],
    director: "Christopher Nolan",
    votes: 9000,
  },
  {
    id: 4,
    title: "The Dark Knight",
    year: 2008,
    genres: ["Action", "Crime", "Drama"],
    keywords: ["dc comics", "gotham city", "vigilante", "joker", "superhero"],
    cast: ["Christian Bale", "Heath Ledger", "Michael Caine"],
    director: "Christopher Nolan",
    votes: 12000,
  },
  {
    id: 5,
    title: "The Dark Knight Rises",
    year: 2012,
    genres: ["Action", "Crime", "Drama"],
    keywords: ["dc comics", "gotham city", "vigilante", "superhero"],
    cast: ["Christian Bale", "Tom Hardy", "Michael Caine"],
    director: "Christopher Nolan",
    votes: 9500,
  },
  {
    id: 6,
    title: "Seventh Son",
    year: 2014,
    genres: ["Fantasy", "Adventure"],
    keywords: ["dark", "knight", "witch"],
    cast: ["Jeff Bridges"],
    director: "Sergei Bodrov",
    votes: 600,
  },
  {
    id: 7,
    title: "Amélie",
    original: "Le Fabuleux Destin d'Amélie Poulain",
    year: 2001,
    genres: ["Comedy", "Romance"],
    keywords: ["paris", "waitress", "shyness"],
    cast: ["Audrey Tautou", "Mathieu Kassovitz"],
    director: "Jean-Pierre Jeunet",
    language: "fr",
    votes: 5000,
  },
  {
    id: 8,
    title: "Delicatessen",
    year: 1991,
    genres: ["Comedy"],
    keywords: ["butcher", "paris"],
    cast: ["Dominique Pinon"],
    director: "Jean-Pierre Jeunet",
    language: "fr",
    votes: 400,
  },
  {
    id: 9,
    title: "Batman v Superman: Dawn of Justice",
    year: 2016,
    genres: ["Action", "Adventure", "Fantasy"],
    keywords: ["dc comics", "superhero"],
    cast: ["Ben Affleck", "Henry Cavill"],
    director: "Zack Snyder",
    votes: 7000,
  },
  {
    id: 10,
    title: "Rush",
    year: 2013,
    genres: ["Drama"],
    keywords: ["formula 1"],
    cast: ["Chris Hemsworth"],
    director: "Ron Howard",
    votes: 3000,
  },
  {
    id: 11,
    title: "Rush Hour",
    year: 1998,
    genres: ["Action", "Comedy"],
    keywords: ["buddy cop"],
    cast: ["Jackie Chan"],
    director: "Brett Ratner",
    votes: 2500,
  },
  {
    id: 12,
    title: "Star Wars",
    year: 1977,
    genres: ["Adventure", "Science Fiction"],
    keywords: ["galaxy", "rebellion"],
    cast: ["Mark Hamill"],
    director: "George Lucas",
    votes: 6000,
    collection: [10, "Star Wars Collection"],
  },
  {
    id: 13,
    title: "Return of the Jedi",
    year: 1983,
    genres: ["Adventure", "Science Fiction"],
    keywords: ["galaxy", "rebellion"],
    cast: ["Mark Hamill"],
    director: "Richard Marquand",
    votes: 4500,
    collection: [10, "Star Wars Collection"],
  },
  {
    id: 14,
    title: "Saving Private Ryan",
    year: 1998,
    genres: ["War", "Drama"],
    keywords: ["world war ii"],
    cast: ["Tom Hanks"],
    director: "Steven Spielberg",
    votes: 7000,
  },
];

beforeAll(async () => {
  db = await freshDatabase();
  await db.exec(
    "insert into public.genres (id, name) values (28, 'Action'), (14, 'Fantasy'), (80, 'Crime'), (18, 'Drama'), (12, 'Adventure'), (35, 'Comedy'), (10749, 'Romance'), (878, 'Science Fiction'), (10752, 'War')",
  );
  await db.query(
    `insert into public.movies (id, title, original_title, release_year, genres, keywords, cast_names, director,
       original_language, vote_count, vote_average, popularity, collection_id, collection_name)
     select id, title, coalesce(original, title), year, genres, keywords, "cast", director, coalesce(language, 'en'),
            votes, 7, votes / 100.0, (collection ->> 0)::int, collection ->> 1
     from jsonb_to_recordset($1::jsonb) as x(id int, title text, original text, year smallint, genres text[],
       keywords text[], "cast" text[], director text, language text, votes int, collection jsonb)`,
    [JSON.stringify(FILMS.map((f) => ({ keywords: [], cast: [], ...f })))],
  );
  await db.exec(
    "refresh materialized view public.movie_features; refresh materialized view public.catalogue_language_shares",
  );
}, 60_000);

afterAll(async () => {
  await db?.dispose();
});

const titles = (rows: { movie: MovieCard | null }[]) => rows.map((r) => r.movie?.title);

describe("list_movies q= (title words, accent-folded, prefix)", () => {
  it("finds Amélie by amelie, every Batman film by batman, and The Dark Knight by a half-typed dark kn", async () => {
    const amelie = titles(await db.rpc("list_movies", { p_query: "amelie" }));
    expect(amelie, "amelie").toEqual(["Amélie"]);
    const batman = titles(await db.rpc("list_movies", { p_query: "BATMAN", p_limit: 50 }));
    expect(batman.sort(), "batman").toEqual([
      "Batman",
      "Batman Begins",
      "Batman Returns",
      "Batman v Superman: Dawn of Justice",
    ]);
    const dark = titles(await db.rpc("list_movies", { p_query: "dark kn" }));
    expect(dark.sort(), "dark kn").toEqual(["The Dark Knight", "The Dark Knight Rises"]);
    expect(titles(await db.rpc("list_movies", { p_query: "atman" })), "a word's middle is no match").toEqual([]);
    expect(titles(await db.rpc("list_movies", { p_query: "fabuleux destin" })), "original title").toEqual(["Amélie"]);
    expect(titles(await db.rpc("list_movies", { p_query: "%_!" })), "punctuation only").toEqual([]);
  });
});

describe("match_movies (hybrid search)", () => {
  const search = async (q: string) => db.rpc("match_movies", { p_title: q, p_limit: 8 });

  it("puts a named title first and its series next: dark knight, then batman", async () => {
    const dark = await search("dark knight");
    expect(titles(dark).slice(0, 2), JSON.stringify(titles(dark))).toEqual([
      "The Dark Knight",
      "The Dark Knight Rises",
    ]);
    expect(dark[0]?.match).toBe("title");
    expect(dark[2], "a keyword hit comes after the title hits").toMatchObject({
      match: "keyword",
      movie: { title: "Seventh Son" },
    });
    const batman = titles(await search("batman"));
    expect(batman[0], JSON.stringify(batman)).toBe("Batman");
    expect(batman.slice(0, 4).sort()).toEqual([
      "Batman",
      "Batman Begins",
      "Batman Returns",
      "Batman v Superman: Dawn of Justice",
    ]);
  });

  it("matches accents, people and keywords, and says how", async () => {
    const amelie = await search("amelie");
    expect(amelie[0], JSON.stringify(amelie)).toMatchObject({ match: "title", movie: { title: "Amélie" } });
    const hanks = await search("tom hanks");
    expect(hanks[0], JSON.stringify(hanks)).toMatchObject({ match: "person", movie: { title: "Saving Private Ryan" } });
    const gotham = await search("gotham");
    expect(gotham.length, JSON.stringify(titles(gotham))).toBe(5);
    expect(
      gotham.every((h) => h.match === "keyword"),
      JSON.stringify(gotham.map((h) => h.matched)),
    ).toBe(true);
  });

  it("puts the exact title before better-known films that start with it, in any script", async () => {
    await db.query(
      `insert into public.movies (id, title, release_year, genres, original_language, vote_count, vote_average)
       select id, title, year, array[genre], language, votes, 7
       from unnest($1::int[], $2::text[], $3::smallint[], $4::text[], $5::text[], $6::int[])
         as x(id, title, year, genre, language, votes)`,
      [
        [40, 41, 42, 43],
        ["Léon Morin, Priest", "Léon", "Брат 2", "Брат"],
        [1961, 1994, 2000, 1997],
        ["Drama", "Crime", "Crime", "Crime"],
        ["fr", "en", "ru", "ru"],
        [5000, 100, 5000, 100],
      ],
    );
    // "leon": the stored folded title (accents folded) says exact; "брат": a script fold_title cannot spell, folded
    // per row instead.
    expect(titles(await search("leon")).slice(0, 2)).toEqual(["Léon", "Léon Morin, Priest"]);
    expect(titles(await search("Брат")).slice(0, 2)).toEqual(["Брат", "Брат 2"]);
    await db.exec("delete from public.movies where id between 40 and 43");
  });

  it("forgives a typo in a title only when nothing matches exactly", async () => {
    const typo = titles(await search("batmn"));
    expect(typo, JSON.stringify(typo)).toContain("Batman");
    const star = titles(await search("star wars"));
    expect(star, JSON.stringify(star)).toEqual(["Star Wars"]);
  });
});

describe("get_similar_movies", () => {
  const similar = async (id: number) => db.rpc("get_similar_movies", { p_movie_id: id, p_limit: 10 });

  it("ranks the series and the director's films with the same cast first, saying what they share", async () => {
    const rows = await similar(4);
    expect(titles(rows).slice(0, 2), JSON.stringify(titles(rows))).toEqual(["The Dark Knight Rises", "Batman Begins"]);
    expect(rows[0]).toMatchObject({ same_series: "title", shared_directors: ["Christopher Nolan"] });
    expect(rows[0]?.shared_cast).toEqual(["Christian Bale", "Michael Caine"]);
    expect(rows[1]?.same_series, "Batman Begins shares no title start with The Dark Knight").toBeNull();
  });

  it("uses the TMDB collection when titles do not tell", async () => {
    const rows = await similar(12);
    expect(rows[0], JSON.stringify(rows)).toMatchObject({
      movie: { title: "Return of the Jedi" },
      same_series: "collection",
      collection_name: "Star Wars Collection",
    });
  });

  it("needs more than a shared first word for a series (Rush / Rush Hour)", async () => {
    const rows = await similar(10);
    expect(rows.find((r) => r.movie?.title === "Rush Hour")?.same_series ?? null).toBeNull();
  });

  it("keeps Amélie among French films, and co-rating alone does not lift a superhero film above them", async () => {
    await db.exec(
      "insert into public.movie_similarities (movie_id, neighbour_id, similarity, support) values (7, 9, 0.5, 40), (7, 3, 0.2, 5)",
    );
    const rows = await similar(7);
    expect(titles(rows)[0], JSON.stringify(titles(rows))).toBe("Delicatessen");
    expect(rows[0]).toMatchObject({ shared_directors: ["Jean-Pierre Jeunet"], shared_language: "fr" });
    const bvs = rows.findIndex((r) => r.movie?.title === "Batman v Superman: Dawn of Justice");
    expect(bvs, "co-rated, so listed, but below the director's film").toBeGreaterThan(0);
    const weak = rows.find((r) => r.movie?.title === "Batman Begins");
    expect(Number(weak?.score), "5 users of support count for less than 40").toBeLessThan(Number(rows[bvs]?.score));
  });
});
