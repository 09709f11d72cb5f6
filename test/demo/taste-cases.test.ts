/**
 * Named taste cases on the demo world as `npm start` builds it (demo catalogue, synthetic users, local embeddings,
 * the first nightly run), on PGlite or on PostgreSQL with DATABASE_URL. Each case names the rule it guards; none
 * names an answer the rules were tuned to by id: titles are looked up, and counts come from the catalogue.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../functions/env";
import { DEMO_LOGIN, filmsFromFixture, readFixture } from "../../node/demo/load-demo";
import { DEMO_PERSONA, generateDemoRatings } from "../../node/demo/taste-model";
import { FRANCHISES } from "../../node/eval/franchises";
import { checkFranchises, formatSimilarCheck } from "../../node/eval/similar";
import { prepareDatabase } from "../../node/server";
import { freshDatabase, type TestDatabase } from "../support/database";

let db: TestDatabase;

beforeAll(async () => {
  db = await freshDatabase();
  await prepareDatabase(db, parseConfig({ MARQUEE_DB: "pglite" }));
}, 300_000);

afterAll(async () => {
  await db?.dispose();
});

async function idOf(title: string): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    "select id from public.movies where title = $1 order by vote_count desc limit 1",
    [title],
  );
  expect(row, `the demo catalogue holds ${title}`).toBeDefined();
  return row.id;
}

async function similarTitles(title: string, limit: number) {
  const rows = await db.rpc("get_similar_movies", { p_movie_id: await idOf(title), p_limit: limit });
  return rows.map((r) => ({ title: r.movie?.title ?? "", id: r.movie?.id ?? 0 }));
}

describe("similar films in the demo world", () => {
  it("The Dark Knight's top 5 hold The Dark Knight Rises and Batman Begins", async () => {
    const top = (await similarTitles("The Dark Knight", 5)).map((r) => r.title);
    expect(top, top.join(" | ")).toEqual(expect.arrayContaining(["The Dark Knight Rises", "Batman Begins"]));
  });

  it("Amélie's top 10 holds no superhero film", async () => {
    const top = await similarTitles("Amélie", 10);
    const heroes = await db.query<{ title: string }>(
      "select title from public.movies where id = any ($1::int[]) and 'superhero' = any (keywords)",
      [top.map((r) => r.id)],
    );
    expect(
      heroes.map((h) => h.title),
      top.map((r) => r.title).join(" | "),
    ).toEqual([]);
  });

  // Series whose titles share nothing (Raiders of the Lost Ark, Return of the Jedi, Aliens, Before Sunset, First
  // Blood): the demo has no TMDB collections, so people, keywords and co-ratings must hold them together.
  it("franchises whose titles differ still fill their top 5 with each other (the franchise check)", async () => {
    const names = ["Star Wars original trilogy", "Indiana Jones", "Alien", "Before trilogy", "Mad Max", "Rambo"];
    const result = await checkFranchises(
      db,
      FRANCHISES.filter((f) => names.includes(f.name)),
      { k: 5 },
    );
    const report = formatSimilarCheck(result, { verbose: true });
    expect(result.counted, report).toBe(names.length);
    expect(result.filmsWithSibling, report).toBe(result.films);
    expect(result.rate, report).toBeGreaterThanOrEqual(0.9);
  }, 90_000);

  it("people who watch The Godfather are not said to watch The Avengers", async () => {
    const top = (await similarTitles("The Godfather", 20)).map((r) => r.title);
    expect(top, top.join(" | ")).not.toContain("The Avengers");
  });
});

describe("search in the demo world", () => {
  const search = async (q: string, limit = 8) =>
    (await db.rpc("match_movies", { p_title: q, p_limit: limit })).map((r) => ({
      title: r.movie?.title ?? "",
      match: r.match,
    }));

  it("batman puts at least 5 of the films with Batman in the title in the top 8", async () => {
    const [{ n }] = await db.query<{ n: number }>(
      "select count(*)::int as n from public.movies where title ilike '%batman%'",
    );
    const hits = await search("batman");
    const batmen = hits.filter((h) => /batman/i.test(h.title)).length;
    expect(batmen, `${n} in the catalogue; top 8: ${hits.map((h) => h.title).join(" | ")}`).toBeGreaterThanOrEqual(
      Math.min(5, n),
    );
  });

  it("dark knight gives The Dark Knight and The Dark Knight Rises first; amelie finds Amélie by title", async () => {
    const dark = (await search("dark knight")).map((h) => h.title);
    expect(dark.slice(0, 2), dark.join(" | ")).toEqual(["The Dark Knight", "The Dark Knight Rises"]);
    const amelie = await search("amelie");
    expect(amelie[0], JSON.stringify(amelie)).toEqual({ title: "Amélie", match: "title" });
  });
});

describe("people in the demo world", () => {
  it("the demo user has a few dozen ratings", async () => {
    const [row] = await db.query<{ n: number }>(
      "select count(*)::int as n from public.ratings r join public.users u on u.id = r.user_id where u.email = $1",
      [DEMO_LOGIN.email],
    );
    expect(row.n).toBe(DEMO_PERSONA.ratings);
    expect(row.n).toBeLessThan(60);
  });

  // A synthetic user whose only favourite cluster is family films: the learned item model (EASE weights) keeps the
  // list on taste where cosine co-rating plus popularity served 4 of 10 before.
  it("the animated-family fan gets an on-taste list", async () => {
    const films = filmsFromFixture(await readFixture());
    const { users } = generateDemoRatings(films, { users: 400 });
    const fan = users.find((u, k) => k > 0 && u.favouriteClusters.join() === "family");
    expect(fan, "the demo world has a user whose only favourite is family films").toBeDefined();
    const rows = await db.rpc("get_recommendations", { p_user_id: fan?.id ?? null, p_strategy: "hybrid", p_limit: 10 });
    const onTaste = rows.filter((r) => (r.movie?.genres ?? []).some((g) => g === "Animation" || g === "Family"));
    expect(
      onTaste.length,
      rows.map((r) => `${r.movie?.title} (${r.movie?.genres})`).join(" | "),
    ).toBeGreaterThanOrEqual(7);
    // Computed lists on the whole demo world in PGlite: seconds each on a loaded two-core machine.
  }, 90_000);

  it("a watchlisted film is left out of the next recommendations", async () => {
    const [demo] = await db.query<{ id: string }>("select id from public.users where email = $1", [DEMO_LOGIN.email]);
    const before = await db.rpc("get_recommendations", { p_user_id: demo.id, p_limit: 10 });
    const first = before[0]?.movie?.id as number;
    await db.rpc("record_interaction", { p_user_id: demo.id, p_type: "watchlist", p_movie_id: first });
    const after = await db.rpc("get_recommendations", { p_user_id: demo.id, p_limit: 10 });
    expect(
      after.map((r) => r.movie?.id),
      `film ${first} is on the watchlist`,
    ).not.toContain(first);
    const kept = await db.rpc("get_recommendations", {
      p_user_id: demo.id,
      p_limit: 50,
      p_exclude: ["rated", "hidden", "disliked", "seen"],
    });
    expect(kept.length, "exclude without watchlist is still accepted").toBeGreaterThan(0);
  }, 90_000);
});

describe("trending in the demo world", () => {
  it("week and month hold films on a fresh start, none rated below the all-time average", async () => {
    const [{ c }] = await db.query<{ c: number }>("select avg(rating)::float8 as c from public.ratings");
    for (const days of [7, 30]) {
      const rows = await db.rpc("get_popular_movies", { p_window_days: days, p_limit: 20 });
      expect(rows.length, `${days} days`).toBeGreaterThan(0);
      const below = rows.filter((r) => Number(r.score) < c - 1e-6);
      expect(below.length, `${days} days: scores under the prior ${c}`).toBe(0);
    }
  });
});
