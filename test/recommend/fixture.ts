/**
 * A tiny taste world whose right answers are obvious. "me" loves Ridley Scott / James Cameron science fiction and
 * disliked The Notebook. Four sci-fi fans share that taste and also loved Prometheus (the "near" film); four
 * romance fans loved The Notebook, Titanic and Love Actually (the "far" films) and never watched the sci-fi.
 */
import type { SqlExecutor } from "../../functions/lib/db/port";

export const FILMS = {
  alien: {
    id: 101,
    title: "Alien",
    year: 1979,
    genres: ["Science Fiction", "Horror"],
    director: "Ridley Scott",
    lang: "en",
  },
  aliens: {
    id: 102,
    title: "Aliens",
    year: 1986,
    genres: ["Science Fiction", "Horror", "Action"],
    director: "James Cameron",
    lang: "en",
  },
  bladeRunner: {
    id: 103,
    title: "Blade Runner",
    year: 1982,
    genres: ["Science Fiction"],
    director: "Ridley Scott",
    lang: "en",
  },
  notebook: {
    id: 104,
    title: "The Notebook",
    year: 2004,
    genres: ["Romance", "Drama"],
    director: "Nick Cassavetes",
    lang: "en",
  },
  titanic: {
    id: 105,
    title: "Titanic",
    year: 1997,
    genres: ["Romance", "Drama"],
    director: "James Cameron",
    lang: "en",
  },
  paddington: {
    id: 106,
    title: "Paddington",
    year: 2014,
    genres: ["Comedy", "Family"],
    director: "Paul King",
    lang: "en",
  },
  prometheus: {
    id: 107,
    title: "Prometheus",
    year: 2012,
    genres: ["Science Fiction", "Horror"],
    director: "Ridley Scott",
    lang: "en",
  },
  loveActually: {
    id: 108,
    title: "Love Actually",
    year: 2003,
    genres: ["Romance", "Comedy"],
    director: "Richard Curtis",
    lang: "en",
  },
  amelie: {
    id: 109,
    title: "Amélie",
    year: 2001,
    genres: ["Romance", "Comedy"],
    director: "Jean-Pierre Jeunet",
    lang: "fr",
  },
  hiddenGem: { id: 110, title: "Hidden Gem", year: 2020, genres: ["Drama"], director: "Nobody Known", lang: "en" },
} as const;

type Key = keyof typeof FILMS;

const GENRES = ["Science Fiction", "Horror", "Action", "Romance", "Drama", "Comedy", "Family"];

export const ME_RATINGS: [Key, number][] = [
  ["alien", 5],
  ["aliens", 5],
  ["bladeRunner", 4],
  ["notebook", 1],
];

const SCIFI_FANS: [Key, number][][] = [
  [
    ["alien", 5],
    ["aliens", 4.5],
    ["bladeRunner", 4],
    ["notebook", 1],
    ["prometheus", 5],
    ["paddington", 3],
  ],
  [
    ["alien", 4.5],
    ["aliens", 5],
    ["bladeRunner", 4.5],
    ["notebook", 1.5],
    ["prometheus", 4.5],
    ["paddington", 3],
  ],
  [
    ["alien", 5],
    ["aliens", 5],
    ["bladeRunner", 3.5],
    ["notebook", 1],
    ["prometheus", 5],
    ["paddington", 2.5],
  ],
  [
    ["alien", 4],
    ["aliens", 4.5],
    ["bladeRunner", 4],
    ["notebook", 2],
    ["prometheus", 4.5],
    ["paddington", 3],
    ["amelie", 4],
  ],
];

const ROMANCE_FANS: [Key, number][][] = [
  [
    ["notebook", 5],
    ["titanic", 5],
    ["loveActually", 5],
    ["paddington", 3],
    ["amelie", 4],
  ],
  [
    ["notebook", 4.5],
    ["titanic", 5],
    ["loveActually", 4.5],
    ["paddington", 3.5],
    ["amelie", 4.5],
  ],
  [
    ["notebook", 5],
    ["titanic", 4.5],
    ["loveActually", 5],
    ["paddington", 3],
    ["amelie", 4],
  ],
  [
    ["notebook", 4],
    ["titanic", 5],
    ["loveActually", 4],
    ["paddington", 2.5],
    ["amelie", 5],
  ],
];

/** Three 5-star ratings: below the 5-rating minimum, so never "popular". */
const HIDDEN_GEM_FANS = 3;

export async function loadTasteWorld(db: SqlExecutor): Promise<void> {
  await db.query(
    "insert into public.genres (id, name) select k, g from unnest($1::text[]) with ordinality as x(g, k)",
    [GENRES],
  );
  for (const f of Object.values(FILMS)) {
    await db.query(
      `insert into public.movies (id, title, original_title, release_date, release_year, original_language, genres, director,
         popularity, vote_count, vote_average)
       values ($1, $2, $2, make_date($3, 1, 1), $3, $4, $5, $6, 10, 100, 7)`,
      [f.id, f.title, f.year, f.lang, f.genres, f.director],
    );
  }
}

let userCounter = 0;
export async function insertUser(db: SqlExecutor, name: string): Promise<string> {
  userCounter++;
  // The id derives from the name and the call order, so every run orders users alike: the nightly job's
  // models (EASE, the rating model) then fit the same way each time instead of with the luck of random uuids.
  const [row] = await db.query<{ id: string }>(
    "insert into public.users (id, email, display_name) values (md5($3)::uuid, $1, $2) returning id",
    [`${name}-${userCounter}-${Date.now().toString(36)}@fixture.invalid`, name, `${name}-${userCounter}`],
  );
  return row.id;
}

export async function rate(db: SqlExecutor, userId: string, ratings: [Key, number][]): Promise<void> {
  for (const [key, stars] of ratings) {
    await db.query(
      `insert into public.ratings (user_id, movie_id, rating) values ($1, $2, $3)
       on conflict (user_id, movie_id) do update set rating = excluded.rating`,
      [userId, FILMS[key].id, stars],
    );
  }
}

export async function interact(db: SqlExecutor, userId: string, key: Key, type: string): Promise<void> {
  await db.query("insert into public.interactions (user_id, movie_id, type) values ($1, $2, $3)", [
    userId,
    FILMS[key].id,
    type,
  ]);
}

/** The sci-fi fans, romance fans and hidden-gem fans (not "me"). */
export async function loadOtherUsers(db: SqlExecutor): Promise<void> {
  for (const [k, ratings] of SCIFI_FANS.entries()) await rate(db, await insertUser(db, `scifi${k}`), ratings);
  for (const [k, ratings] of ROMANCE_FANS.entries()) await rate(db, await insertUser(db, `romance${k}`), ratings);
  for (let k = 0; k < HIDDEN_GEM_FANS; k++) await rate(db, await insertUser(db, `gem${k}`), [["hiddenGem", 5]]);
}

export const titleOf = (id: number) => Object.values(FILMS).find((f) => f.id === id)?.title ?? `#${id}`;

/** The whole taste world (films, the other users) plus "me" with ME_RATINGS; returns my user id. */
export async function loadTasteWorldWithMe(db: SqlExecutor): Promise<string> {
  await loadTasteWorld(db);
  await loadOtherUsers(db);
  const me = await insertUser(db, "me");
  await rate(db, me, ME_RATINGS);
  return me;
}
