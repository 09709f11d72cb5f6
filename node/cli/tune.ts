/** `marquee tune`: fit the hybrid's blend weights on a validation split of the database's own ratings. */
import { type TuneResult, tuneBlend } from "../eval/tune";
import { type Command, loadConfig, openJobDatabase, parseOptions } from "./command";

function number(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${min} to ${max}`);
  return n;
}

const w = (c: { weights: number[]; ndcg: number; precision: number }) =>
  `{${c.weights.map((x) => x.toFixed(2)).join(", ")}}  NDCG ${c.ndcg.toFixed(4)}  P ${c.precision.toFixed(4)}`;

export function formatTune(r: TuneResult, k: number): string {
  return [
    `tune: ${r.validation.ratings} validation ratings (share ${r.validation.share}, seed ${r.validation.seed}), ${r.validation.users} users scored, ${r.validation.trainRatings} ratings fitted on, ${(r.ms / 1000).toFixed(1)} s`,
    `  best of ${r.candidates.length} at NDCG@${k}: ${w(r.best)}   (weights: collaborative, content, popular, item share, like centre)`,
    ...Object.entries(r.singles).map(([name, c]) => `  ${name.padEnd(8)} alone: ${w(c)}`),
    ...(r.ease
      ? [
          `  EASE lambda ${r.ease.lambda}${r.ease.lambda === r.ease.incumbent ? " (the incumbent: no other clearly better)" : ` (beats the incumbent ${r.ease.incumbent} by ${r.ease.margin.toFixed(1)} standard errors)`}; dense over ${r.ease.films} films; NDCG@${k} by lambda: ${r.ease.tried
            .map((t) => `${t.lambda} ${t.ndcg.toFixed(4)}`)
            .join(", ")}`,
        ]
      : []),
  ].join("\n");
}

export const tuneCommand: Command = {
  name: "tune",
  summary: "Fit the hybrid's blend weights on a validation split of the ratings and store them (the API serves them)",
  usage:
    "[--validation 0.1] [--seed 1] [--users 1000] [--k 10] [--relevant 4.0] [--lambdas 50,100,250,500,1000] [--dry-run] [--json]",
  help: [
    "options:",
    "  --validation 0.1  share of the database's ratings held out for validation (seeded)",
    "  --seed 1          seed of the validation split and of the user sample",
    "  --users 1000      validation users scored at most (a seeded sample)",
    "  --k 10            list length of the NDCG it maximises",
    "  --relevant 4.0    held-out ratings at least this count as relevant (4 stars is what the product calls liked)",
    "  --lambdas LIST    EASE L2 penalties tried on the same split (default 50,100,250,500,1000; none: keep the",
    "                    nightly job's); the best is stored with the blend and the nightly job trains with it",
    "  --dry-run         report the fit without storing it",
    "  --json            print the result as JSON",
    "",
    "Copies the films and the non-held-out ratings into a scratch database (PGlite, or a new database on",
    "DATABASE_URL's server, dropped after), runs the nightly job there, scores every blend of a grid that includes",
    "each single source, and stores the best in recommendation_blend. RECOMMENDATION_WEIGHTS, when set, overrides it.",
  ].join("\n"),
  async run(args) {
    const o = parseOptions(args, {
      validation: { type: "string" },
      seed: { type: "string" },
      users: { type: "string" },
      k: { type: "string" },
      relevant: { type: "string" },
      "dry-run": { type: "boolean" },
      json: { type: "boolean" },
      lambdas: { type: "string" },
    });
    const lambdas =
      o.lambdas === undefined
        ? undefined
        : o.lambdas === "none"
          ? []
          : o.lambdas.split(",").map((v) => number(v.trim(), "lambdas", 250, 0.001, 1e7));
    const config = loadConfig();
    const k = number(o.k, "k", 10, 1, 100);
    const db = await openJobDatabase(config);
    try {
      const result = await tuneBlend(db, {
        share: number(o.validation, "validation", 0.1, 0.01, 0.5),
        seed: number(o.seed, "seed", 1, 0, 2 ** 32 - 1),
        users: number(o.users, "users", 1000, 1, 1_000_000),
        k,
        relevant: number(o.relevant, "relevant", 4, 0.5, 5),
        databaseUrl: config.DATABASE_URL,
        lambdas,
        store: !o["dry-run"],
      });
      console.log(o.json ? JSON.stringify(result, null, 2) : formatTune(result, k));
      return 0;
    } finally {
      await db.close();
    }
  },
};
