/** `marquee eval`: offline evaluation of every recommendation strategy on MovieLens ratings. */
import { readFile, writeFile } from "node:fs/promises";
import { BASELINES, type Baseline, buildBaselines } from "../eval/baselines";
import { evaluateDiversity, formatDiversityTable } from "../eval/diversity";
import { evaluate, formatEvalTable, STRATEGIES, type Strategy } from "../eval/evaluate";
import { openFreshDatabase } from "../eval/fresh-database";
import { loadDataset } from "../eval/load";
import { type MlMovie, parseMovies, parseRatings, randomSplit } from "../eval/movielens";
import { tuneBlend } from "../eval/tune";
import { runNightly } from "../jobs/nightly";
import { type Command, loadConfig, parseOptions } from "./command";
import { runBookEvaluation } from "./eval-books";
import { formatNightlySummary, progressPrinter } from "./jobs";
import { formatTune } from "./tune";

// u.item and movies.dat are Latin-1; ratings files are ASCII; movies.csv is UTF-8.
async function readText(file: string): Promise<string> {
  const bytes = await readFile(file);
  const utf8 = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  return utf8.includes("\uFFFD") ? new TextDecoder("latin1").decode(bytes) : utf8;
}

function number(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${min} to ${max}`);
  return n;
}

export const evalCommand: Command = {
  name: "eval",
  summary: "Offline evaluation of the recommendation strategies on MovieLens ratings (full ranking)",
  usage:
    "--ratings FILE [--movies FILE] [--test FILE | --split 0.8 --seed 42] [--k 10] [--relevant 4.0] [--strategies LIST] [--baselines LIST] [--diversity LIST] [--json FILE]",
  help: [
    "options:",
    "  --kind movie|book  which catalogue (default movie); book: --ratings is user_id,book_id,rating (goodbooks-10k's",
    "                     ratings.csv) and --books goodbooks-10k's books.csv; recommend_books against the most read",
    "  --ratings FILE     MovieLens ratings.csv, ML-100K u.data or ML-1M ratings.dat (detected from the content)",
    "  --test FILE        a given test split in the same format; --ratings is then the training part",
    "  --split 0.8        without --test: share of ratings kept for training, drawn at random",
    "  --seed 42          seed of the random split",
    "  --movies FILE      movies.csv, u.item or movies.dat: titles, years and genres (content-based needs them)",
    "  --k 10             list length for precision/recall/NDCG/MAP",
    "  --relevant 4.0     test ratings at least this count as relevant",
    "  --strategies LIST  comma-separated, from popular,cf,item,content,hybrid (default: all)",
    "  --baselines LIST   reference baselines ranked in the same run, from toppop,ease (default: both; none: '')",
    "  --ease-films 3000  films the baseline EASE covers densely (the most rated; cost grows with the cube)",
    "  --ease-lambda 250  the baseline EASE's L2 penalty",
    "  --diversity LIST   diversity settings to re-rank the hybrid at, beside accuracy (default 0,0.1,0.3,0.5; '' skips)",
    "  --json FILE        also write the results as JSON",
    "  --concurrency N    parallel requests on Postgres (default 4; PGlite runs one at a time)",
    "  --no-tune          skip the blend fit (the hybrid then serves the default weights)",
    "  --keep             keep the evaluation database on DATABASE_URL's server (its name is printed)",
    "",
    "Loads the training ratings into a fresh database (in-memory PGlite, or a new database on DATABASE_URL's server),",
    "runs the nightly job on them, fits the hybrid's blend on a validation split of those training ratings",
    "(`marquee tune`, seed 1, 10%), then ranks every film each test user has not rated in training through",
    "get_recommendations (the API's SQL function). RMSE/MAE: predict_ratings (user-based CF) on every test rating.",
    "The baselines are computed in process on the same training ratings; every row shows its ratio to EASE,",
    "its catalogue coverage and the mean popularity percentile of the films it recommends.",
  ].join("\n"),
  async run(args) {
    const o = parseOptions(args, {
      ratings: { type: "string" },
      test: { type: "string" },
      movies: { type: "string" },
      split: { type: "string" },
      seed: { type: "string" },
      k: { type: "string" },
      relevant: { type: "string" },
      strategies: { type: "string" },
      json: { type: "string" },
      diversity: { type: "string" },
      baselines: { type: "string" },
      "ease-films": { type: "string" },
      "ease-lambda": { type: "string" },
      concurrency: { type: "string" },
      keep: { type: "boolean" },
      "no-tune": { type: "boolean" },
      kind: { type: "string", default: "movie" },
      books: { type: "string" },
    });
    if (!o.ratings) throw new Error("--ratings FILE is required (see marquee eval --help)");
    const k = number(o.k, "k", 10, 1, 500);
    const relevant = number(o.relevant, "relevant", 4, 0.5, 5);
    const split = number(o.split, "split", 0.8, 0.05, 0.99);
    const seed = number(o.seed, "seed", 42, 0, 2 ** 32 - 1);
    if (o.kind !== "movie" && o.kind !== "book") throw new Error("--kind must be movie or book");
    if (o.kind === "book") {
      return runBookEvaluation({ ...o, ratings: o.ratings, split, seed, k, relevant, readText });
    }
    const strategies = (o.strategies ?? STRATEGIES.join(","))
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean) as Strategy[];
    for (const s of strategies) {
      if (!STRATEGIES.includes(s))
        throw new Error(`--strategies: unknown strategy "${s}"; use ${STRATEGIES.join(", ")}`);
    }

    const baselines = (o.baselines ?? BASELINES.join(","))
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean) as Baseline[];
    for (const b of baselines) {
      if (!BASELINES.includes(b)) throw new Error(`--baselines: unknown baseline "${b}"; use ${BASELINES.join(", ")}`);
    }
    const easeFilms = number(o["ease-films"], "ease-films", 3000, 1, 20_000);
    const easeLambda = number(o["ease-lambda"], "ease-lambda", 250, 0.001, 1e7);

    const all = parseRatings(await readText(o.ratings));
    const { train, test } = o.test
      ? { train: all, test: parseRatings(await readText(o.test)) }
      : randomSplit(all, split, seed);
    const movies: MlMovie[] = o.movies ? parseMovies(await readText(o.movies)) : [];
    const config = loadConfig();
    const concurrency = number(o.concurrency, "concurrency", config.DATABASE_URL ? 4 : 1, 1, 64);
    const fresh = await openFreshDatabase("marquee_eval", config.DATABASE_URL, concurrency + 1);
    console.error(`evaluation database: ${fresh.name}`);
    try {
      const t0 = performance.now();
      // Films only in the test part still belong to the catalogue (they can be recommended).
      const known = new Set(movies.map((m) => m.id));
      const testOnly = test.filter((r) => !known.has(r.movie)).map((r) => r.movie);
      const catalogue = [
        ...movies,
        ...[...new Set(testOnly)].map((id) => ({ id, title: `Film ${id}`, year: null, genres: [] })),
      ];
      const loaded = await loadDataset(fresh.db, dedupeMovies(catalogue), train);
      console.error(
        `loaded ${loaded.ratings} training ratings, ${loaded.users} users, ${loaded.movies} films in ${Math.round(performance.now() - t0)} ms; ${test.length} test ratings`,
      );
      const ranker = baselines.length
        ? buildBaselines(train, { easeFilms, lambda: easeLambda, onProgress: progressLine() })
        : undefined;
      if (ranker)
        console.error(
          `baseline EASE: ${ranker.easeFilms} films, lambda ${easeLambda}, ${Math.round(ranker.easeMs)} ms`,
        );
      // The fit first (its own scratch copy of the training ratings, split again for validation): the nightly
      // run below then trains with the EASE λ it chose, and the API serves the blend it stored.
      const tuned = o["no-tune"]
        ? null
        : await tuneBlend(fresh.db, {
            share: 0.1,
            seed: 1,
            users: 1000,
            k,
            relevant,
            databaseUrl: config.DATABASE_URL,
            store: true,
            onProgress: progressLine(),
          });
      if (tuned) console.error(formatTune(tuned, k));
      const nightly = await runNightly(fresh.db, { onStep: progressPrinter() });
      console.error(formatNightlySummary(nightly));
      const progress = progressLine();
      const results = await evaluate(fresh.db, test, {
        k,
        relevant,
        strategies,
        baselines,
        ranker,
        catalogue: [...new Set([...catalogue.map((m) => m.id), ...train.map((r) => r.movie)])],
        concurrency: fresh.db.kind === "pglite" ? 1 : concurrency,
        catalogueSize: loaded.movies,
        onProgress: progress,
      });
      console.log(formatEvalTable(results, k));
      const diversitySettings = (o.diversity ?? "0,0.1,0.3,0.5")
        .split(",")
        .filter((v) => v.trim() !== "")
        .map(Number);
      const diversity =
        diversitySettings.length && strategies.includes("hybrid")
          ? await evaluateDiversity(fresh.db, test, {
              k,
              relevant,
              settings: diversitySettings,
              catalogueSize: loaded.movies,
              concurrency: fresh.db.kind === "pglite" ? 1 : concurrency,
            })
          : [];
      if (diversity.length) console.log(`\n${formatDiversityTable(diversity, k)}`);
      const hybrid = results.find((r) => r.strategy === "hybrid");
      for (const name of ["ease", "popular"]) {
        const ref = results.find((r) => r.strategy === name);
        if (ref && hybrid && ref.precision > 0 && ref.ndcg > 0) {
          console.log(
            `${name === "ease" ? "\n" : ""}hybrid / ${name}: P@${k} x${(hybrid.precision / ref.precision).toFixed(2)}, NDCG@${k} x${(hybrid.ndcg / ref.ndcg).toFixed(2)}`,
          );
        }
      }
      for (const r of results) {
        const other = Object.entries(r.served).map(([s, n]) => `${n} by ${s}`);
        if (other.length)
          console.log(`${r.strategy}: cold start or fallback for ${other.join(", ")} of ${r.users} users`);
      }
      if (o.json) {
        const payload = {
          dataset: {
            ratings: o.ratings,
            test: o.test ?? null,
            movies: o.movies ?? null,
            split: o.test ? null : split,
            seed,
          },
          k,
          relevant,
          database: fresh.db.kind,
          train: train.length,
          test: test.length,
          diversity,
          nightly,
          tune: tuned && { best: tuned.best, singles: tuned.singles, validation: tuned.validation },
          results,
        };
        await writeFile(o.json, `${JSON.stringify(payload, null, 2)}\n`);
        console.error(`wrote ${o.json}`);
      }
      return 0;
    } finally {
      await fresh.dispose({ keep: o.keep });
      if (o.keep && fresh.url) console.error(`kept ${fresh.url}`);
    }
  },
};

function dedupeMovies(movies: MlMovie[]): MlMovie[] {
  return [...new Map(movies.map((m) => [m.id, m])).values()];
}

function progressLine() {
  let last = 0;
  let began = performance.now();
  return (label: string, done: number, total: number) => {
    if (done === 1) began = performance.now();
    if (!process.stderr.isTTY) {
      // In CI or a log file: one line per finished step instead of a redrawn counter.
      if (done >= total)
        process.stderr.write(`${label}: ${total} in ${((performance.now() - began) / 1000).toFixed(1)} s\n`);
      return;
    }
    const now = performance.now();
    if (done < total && now - last < 200) return;
    last = now;
    process.stderr.write(`\r${label.padEnd(12)} ${done}/${total}${done >= total ? "\n" : ""}`);
  };
}
