/**
 * `marquee jobs nightly`: recompute neighbours, refresh materialised views, delete expired cached data.
 * `marquee jobs trending`: refresh the trending windows alone, on a shorter cadence.
 */
import { type NightlyStep, type NightlySummary, runNightly } from "../jobs/nightly";
import { formatTasteGroups, runTasteGroups } from "../jobs/taste-groups";
import { formatTrendingSummary, refreshTrending } from "../jobs/trending";
import { type Command, loadConfig, openJobDatabase, parseOptions } from "./command";

const LABELS: Record<NightlyStep, string> = {
  load: "load ratings",
  users: "user neighbours",
  films: "film neighbours",
  model: "film model (EASE)",
  ratings: "rating model (MF)",
  candidates: "item candidates",
  matches: "match candidates",
  cf: "user-CF votes",
  write: "write tables",
  views: "refresh views",
  books: "book co-reading",
  cache: "expire cache",
};

/** A progress bar on a terminal; one line per finished step otherwise (CI logs). */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr) {
  let last = "";
  let lastDraw = 0;
  return (step: NightlyStep, done: number, total: number) => {
    const finished = done >= total;
    if (stream.isTTY) {
      const now = performance.now();
      if (!finished && now - lastDraw < 100) return;
      lastDraw = now;
      const width = 30;
      const filled = Math.round((done / Math.max(total, 1)) * width);
      const bar = `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
      stream.write(`\r${LABELS[step].padEnd(16)} [${bar}] ${done}/${total}${finished ? "\n" : ""}`);
    } else if (finished && last !== step) {
      last = step;
      stream.write(`${LABELS[step]}: done (${total})\n`);
    }
  };
}

export function formatNightlySummary(s: NightlySummary): string {
  const t = s.timings;
  return [
    `nightly: ${s.ratings} ratings, ${s.interactions} positive interactions, ${s.users} users, ${s.films} films`,
    `  user neighbours: ${s.userPairs} pairs for ${s.usersWithNeighbours} users (${t.users} ms)`,
    `  film neighbours: ${s.filmPairs} pairs for ${s.filmsWithNeighbours} films (cosine ${t.films} ms)`,
    s.model.kind === "ease"
      ? `  film model: EASE on ${s.model.films} films, lambda ${s.model.lambda}, cosine rows x${s.model.cosineScale?.toFixed(4)} for the rest (${t.model} ms)`
      : "  film model: cosine only",
    s.ratingModel
      ? `  rating model: biased MF, ${s.ratingModel.factors} factors, penalty ${s.ratingModel.penalty}, ${s.ratingModel.epochs} epochs; validation RMSE ${s.ratingModel.validationRmse.toFixed(4)} (baseline ${s.ratingModel.baselineRmse.toFixed(4)}) (${t.ratings} ms)`
      : "  rating model: skipped",
    `  item candidates: ${s.candidateRows} users, best ${s.candidateDepth} films each (${t.candidates} ms)`,
    `  user-CF votes: ${s.cfCandidateRows ?? 0} users, best ${s.candidateDepth} films each (${t.cf ?? 0} ms)`,
    `  match candidates: ${s.matches.users} users, ${s.matches.matchedPairs} matched and ${s.matches.nearPairs} near pairs (at most ${s.matches.depth} of each per user; threshold ${s.matches.threshold}, overlap ${s.matches.minOverlap}, shrinkage ${s.matches.shrinkage}; ${s.matches.exact === false ? "bounded" : "exact"}) (${t.matches} ms)`,
    `  books: ${s.bookPairs} co-reading pairs, ${s.filmBookPairs} film-to-book pairs (${t.books} ms)`,
    `  load ${t.load} ms, write ${t.write} ms, views ${t.views} ms, cache ${t.cache} ms (${s.cacheRowsDeleted} cached rows deleted)`,
    `  total ${(s.totalMs / 1000).toFixed(1)} s`,
  ].join("\n");
}

export const jobsNightlyCommand: Command = {
  name: "jobs nightly",
  summary:
    "Recompute user and film neighbours and taste groups, refresh materialised views, delete expired cached data",
  usage:
    "[--user-k 50] [--film-k 50] [--shrinkage 10] [--film-model ease|cosine] [--ease-films 2500] [--ease-k 500] [--json]",
  help: [
    "options:",
    "  --user-k N      neighbours kept per user (Pearson, >= 3 common films, correlation > 0.3); default 50",
    "  --film-k N      neighbours kept per film (shrunk cosine); default 50",
    "  --shrinkage N   film similarity shrinkage: cosine * support / (support + N); default 10",
    "  --film-model M  ease (default): EASE weights for the most-watched films, cosine for the rest; cosine: cosine only",
    "  --ease-films N  films EASE models densely (the most watched); time grows with N^3; default 2500",
    "  --ease-lambda N EASE's L2 penalty; default: the one `marquee tune` fitted, else 250",
    "  --ease-k N      EASE weights kept per film (the largest in magnitude); default 500",
    "  --json          print the summary as JSON",
    "",
    "Taste-matching candidates use MATCH_THRESHOLD, MATCH_MIN_OVERLAP, MATCH_SHRINKAGE and MATCH_CANDIDATES",
    "(matched and near users kept per user, default 100).",
    "Uses DATABASE_URL, or the embedded database in MARQUEE_DATA_DIR. Safe to re-run; exits 1 on failure.",
  ].join("\n"),
  async run(args) {
    const o = parseOptions(args, {
      "user-k": { type: "string" },
      "film-k": { type: "string" },
      shrinkage: { type: "string" },
      "film-model": { type: "string" },
      "ease-films": { type: "string" },
      "ease-lambda": { type: "string" },
      "ease-k": { type: "string" },
      json: { type: "boolean" },
    });
    const int = (v: string | undefined, name: string, min: number, max: number) => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || n < min || n > max)
        throw new Error(`--${name} must be a number from ${min} to ${max}`);
      return n;
    };
    const filmModel = o["film-model"] ?? "ease";
    if (filmModel !== "ease" && filmModel !== "cosine") throw new Error("--film-model must be ease or cosine");
    const config = loadConfig();
    const db = await openJobDatabase(config);
    try {
      const summary = await runNightly(db, {
        match: {
          threshold: config.MATCH_THRESHOLD,
          minOverlap: config.MATCH_MIN_OVERLAP,
          shrinkage: config.MATCH_SHRINKAGE,
          depth: config.MATCH_CANDIDATES,
        },
        userK: int(o["user-k"], "user-k", 1, 1000),
        filmK: int(o["film-k"], "film-k", 1, 1000),
        shrinkage: int(o.shrinkage, "shrinkage", 0, 10_000),
        filmModel,
        easeFilms: int(o["ease-films"], "ease-films", 1, 20_000),
        easeLambda: int(o["ease-lambda"], "ease-lambda", 0.001, 1e7),
        easeK: int(o["ease-k"], "ease-k", 1, 5000),
        onStep: progressPrinter(),
      });
      // Taste groups after the neighbours: a failure here leaves last night's groups and fails the job.
      const taste = await runTasteGroups(db);
      console.log(
        o.json
          ? JSON.stringify({ ...summary, tasteGroups: taste }, null, 2)
          : `${formatNightlySummary(summary)}\n${formatTasteGroups(taste)}`,
      );
      return 0;
    } finally {
      await db.close();
    }
  },
};

export const jobsTrendingCommand: Command = {
  name: "jobs trending",
  summary: "Refresh the trending windows (movie_trending_stats: the last 7, 30 and 365 days) between nightly runs",
  usage: "[--json]",
  help: [
    "options:",
    "  --json  print the summary as JSON",
    "",
    "Refreshes movie_trending_stats, then movie_popularity (the scored lists popular reads), concurrently (reads",
    "keep the previous contents meanwhile), so trending lists end at this run instead of the last nightly one. Uses DATABASE_URL, or the embedded database in",
    "MARQUEE_DATA_DIR. Safe to re-run; exits 1 on failure.",
  ].join("\n"),
  async run(args) {
    const o = parseOptions(args, { json: { type: "boolean" } });
    const db = await openJobDatabase(loadConfig());
    try {
      const summary = await refreshTrending(db);
      console.log(o.json ? JSON.stringify(summary, null, 2) : formatTrendingSummary(summary));
      return 0;
    } finally {
      await db.close();
    }
  },
};
