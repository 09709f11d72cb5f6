/**
 * A new demo user with one clear taste gets an on-taste list: after rating five animated family films 5 stars,
 * at least 8 of the hybrid's top 12 are animated or family films (the demo world as `npm start` builds it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../functions/env";
import type { SqlDatabase } from "../../functions/lib/db/port";
import { openPglite } from "../../node/db/pglite";
import { prepareDatabase } from "../../node/server";

let db: SqlDatabase;
const PIXAR = ["Toy Story", "Finding Nemo", "Monsters, Inc.", "The Incredibles", "Ratatouille"];

beforeAll(async () => {
  db = await openPglite();
  await prepareDatabase(db, parseConfig({ MARQUEE_DB: "pglite" }));
}, 600_000);

afterAll(async () => {
  await db?.close();
});

describe("a demo user who loves animated family films", () => {
  it("gets at least 8 animated or family films in the hybrid top 12", async () => {
    const [user] = await db.query<{ id: string }>(
      "insert into public.users (email, display_name) values ('pixar@fixture.invalid', 'pixar fan') returning id",
    );
    const films = await db.query<{ id: number; title: string }>(
      "select id, title from public.movies where title = any($1::text[])",
      [PIXAR],
    );
    expect(films.map((f) => f.title).sort(), "the demo catalogue holds the five films").toEqual([...PIXAR].sort());
    for (const f of films) {
      await db.query("insert into public.ratings (user_id, movie_id, rating) values ($1, $2, 5)", [user.id, f.id]);
    }
    const rows = await db.rpc("get_recommendations", { p_user_id: user.id, p_strategy: "hybrid", p_limit: 12 });
    const genresOf = (r: (typeof rows)[number]) => r.movie?.genres ?? [];
    const onTaste = rows.filter((r) => genresOf(r).includes("Animation") || genresOf(r).includes("Family"));
    const list = rows
      .map((r) => `${r.movie?.title} [${genresOf(r).join("/")}] via ${(r.recommendation?.sources ?? []).join("+")}`)
      .join("; ");
    expect(rows[0]?.strategy?.served).toBe("hybrid");
    expect(onTaste.length, list).toBeGreaterThanOrEqual(8);
  });
});
