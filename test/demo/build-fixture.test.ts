import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildFixtureData, FILM_COLUMNS, parseCsv, serializeFixture } from "../../node/demo/build-fixture";
import { DEFAULT_FIXTURE, filmsFromFixture, readFixture } from "../../node/demo/load-demo";

// The raw CSVs are not in the repository (their licence forbids it); the rebuild check runs where they are.
const TMDB_DIR = process.env.TMDB_5000_DIR ?? fileURLToPath(new URL("../../../shared/data/tmdb-5000", import.meta.url));

describe("parseCsv", () => {
  it("splits plain fields and records", () => {
    expect(parseCsv("a,b,c\n1,2,3\n")).toEqual([
      ["a", "b", "c"],
      ["1", "2", "3"],
    ]);
  });

  it("keeps commas, doubled quotes and line breaks inside quoted fields", () => {
    const text = 'id,json,note\n1,"[{""name"": ""Action""}, {""name"": ""War""}]","two\nlines, one comma"\n';
    expect(parseCsv(text)).toEqual([
      ["id", "json", "note"],
      ["1", '[{"name": "Action"}, {"name": "War"}]', "two\nlines, one comma"],
    ]);
  });

  it("handles CRLF, empty fields, a trailing comma and a missing final line break", () => {
    expect(parseCsv('a,,"",x\r\n1,2,3,\r\nlast,"q"')).toEqual([
      ["a", "", "", "x"],
      ["1", "2", "3", ""],
      ["last", "q"],
    ]);
  });

  it("rejects an unterminated quote and text after a closing quote", () => {
    expect(() => parseCsv('a,"open\n')).toThrow(/unterminated/);
    expect(() => parseCsv('"a"b,c\n')).toThrow(/after closing quote/);
  });
});

describe("the committed film fixture", () => {
  it("is small and holds at least 1,000 films with the declared columns", async () => {
    const fixture = await readFixture();
    const { size } = await stat(DEFAULT_FIXTURE);
    expect(size, `fixture is ${size} bytes`).toBeLessThan(1_000_000);
    expect(fixture.columns).toEqual([...FILM_COLUMNS]);
    expect(fixture.films.length).toBeGreaterThanOrEqual(1000);
    expect(fixture.source).toMatch(/TMDB/);
    for (const row of fixture.films) expect(row.length, `row ${row[0]}`).toBe(FILM_COLUMNS.length);
  });

  it("holds facts only: no prose field, no sentence-length string", async () => {
    const fixture = await readFixture();
    const keys: string[] = [];
    const long: string[] = [];
    // The director field is a list of names (Snow White has six directors), so each name is checked on its own.
    const directorPath = new RegExp(`^films\\[\\d+\\]\\[${fixture.columns.indexOf("director")}\\]$`);
    const walk = (value: unknown, path: string): void => {
      if (typeof value === "string") {
        const parts = directorPath.test(path) ? value.split(", ") : [value];
        for (const part of parts) {
          if (part.length > 120 && path !== "source") long.push(`${path}: ${part.slice(0, 60)}...`);
        }
      } else if (Array.isArray(value)) {
        for (const [k, v] of value.entries()) walk(v, `${path}[${k}]`);
      } else if (value && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) {
          keys.push(k);
          walk(v, path ? `${path}.${k}` : k);
        }
      }
    };
    walk(fixture, "");
    const columns = fixture.columns.map((c) => c.toLowerCase());
    for (const forbidden of ["overview", "tagline", "homepage", "description", "character"]) {
      expect(keys, `key ${forbidden}`).not.toContain(forbidden);
      expect(columns, `column ${forbidden}`).not.toContain(forbidden);
    }
    expect(long, long.join("\n")).toEqual([]);
  });

  it("has well-formed, unique films that fit the movies table", async () => {
    const fixture = await readFixture();
    const films = filmsFromFixture(fixture);
    const genreNames = new Set(fixture.genres.map((g) => g[1]));
    const problems: string[] = [];
    const ids = new Set<number>();
    for (const f of films) {
      const where = `${f.id} ${f.title}`;
      if (ids.has(f.id)) problems.push(`${where}: duplicate id`);
      ids.add(f.id);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(f.releaseDate)) problems.push(`${where}: release date ${f.releaseDate}`);
      if (f.originalTitle === f.title) problems.push(`${where}: original title repeats the title`);
      if (f.originalLanguage !== null && !/^[a-z]{2,3}$/.test(f.originalLanguage)) {
        problems.push(`${where}: language ${f.originalLanguage}`);
      }
      if (f.keywords.length > 12 || f.keywords.some((k) => k !== k.toLowerCase())) {
        problems.push(`${where}: keywords`);
      }
      if (f.cast.length > 6) problems.push(`${where}: cast of ${f.cast.length}`);
      if (f.genres.some((g) => !genreNames.has(g))) problems.push(`${where}: unknown genre in ${f.genres}`);
      if (!(f.voteAverage >= 0 && f.voteAverage <= 10) || f.voteCount < 0 || f.popularity < 0) {
        problems.push(`${where}: numbers`);
      }
    }
    expect(problems, problems.slice(0, 20).join("\n")).toEqual([]);
    const votes = films.map((f) => f.voteCount);
    expect(votes, "films are ordered by vote count, most first").toEqual([...votes].sort((a, b) => b - a));
  });

  it.skipIf(!existsSync(TMDB_DIR))(
    "is what build-fixture makes from the TMDB CSVs",
    async () => {
      const rebuilt = serializeFixture(await buildFixtureData(TMDB_DIR));
      const committed = await readFile(DEFAULT_FIXTURE, "utf8");
      expect(rebuilt === committed, "films.json differs from a fresh build; rerun build-fixture.ts").toBe(true);
    },
    30_000,
  );
});
