/**
 * Reasons for similar films (GET /v1/movies/{id}/similar), from what get_similar_movies says the two films share:
 * the series, director, cast, keywords, genres, a rarer original language, and the people who watch both. Each
 * reason names the shared facts themselves, so a reader can check it. Runtime-neutral.
 */
import type { RpcRow } from "../db/port";
import type { Reason } from "./reasons";

type SimilarRow = RpcRow<"get_similar_movies">;

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
const count = (v: number) => v.toLocaleString("en-US");
const names = (v: string[] | null | undefined) => (v ?? []).filter(Boolean);

function list(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** Language codes the reasons name in words; any other code is quoted as it is. */
const LANGUAGES: Record<string, string> = {
  fr: "French",
  es: "Spanish",
  de: "German",
  it: "Italian",
  ja: "Japanese",
  ko: "Korean",
  zh: "Chinese",
  cn: "Cantonese",
  hi: "Hindi",
  ru: "Russian",
  pt: "Portuguese",
  sv: "Swedish",
  da: "Danish",
  no: "Norwegian",
  nl: "Dutch",
  fa: "Persian",
  he: "Hebrew",
  th: "Thai",
  en: "English",
};

/** Strongest tie first: series, people, keywords, co-rating, genres, language. */
export function similarReasons(r: SimilarRow): Reason[] {
  const title = String(r.source_title);
  const reasons: Reason[] = [];
  if (r.same_series === "collection" && r.collection_name) {
    reasons.push({
      source: "content",
      text: `Part of ${r.collection_name}, like ${title}`,
      evidence: { shared: "collection", collection: r.collection_name },
    });
  } else if (r.same_series === "title") {
    reasons.push({
      source: "content",
      text: `From the same series as ${title}`,
      evidence: { shared: "series" },
    });
  }
  const directors = names(r.shared_directors);
  if (directors.length) {
    reasons.push({
      source: "content",
      text: `Also directed by ${list(directors)}`,
      evidence: { shared: "director", directors },
    });
  }
  const cast = names(r.shared_cast);
  if (cast.length) {
    reasons.push({
      source: "content",
      text: `Also stars ${list(cast.slice(0, 3))}`,
      evidence: { shared: "cast", cast },
    });
  }
  const keywords = names(r.shared_keywords);
  if (keywords.length) {
    reasons.push({
      source: "content",
      text: `Shares themes with ${title}: ${list(keywords.slice(0, 4).map((k) => `“${k}”`))}`,
      evidence: { shared: "keywords", keywords },
    });
  }
  if (r.co_rating_similarity !== null && r.co_rating_similarity !== undefined) {
    const support = Number(r.co_rating_support ?? 0);
    reasons.push({
      source: "item",
      text: `${count(support)} ${support === 1 ? "person" : "people"} who watched ${title} also watched this`,
      evidence: { similarity: round(Number(r.co_rating_similarity), 3), users: support },
    });
  }
  const genres = names(r.shared_genres);
  if (genres.length && reasons.length < 2) {
    reasons.push({
      source: "content",
      text: `${list(genres)}, like ${title}`,
      evidence: { shared: "genres", genres },
    });
  }
  if (r.shared_language && r.shared_language !== "en" && reasons.length < 3) {
    const language = LANGUAGES[r.shared_language] ?? r.shared_language;
    reasons.push({
      source: "content",
      text: `In ${language}, like ${title}`,
      evidence: { shared: "language", language: r.shared_language },
    });
  }
  if (!reasons.length && r.embedding_similarity !== null && r.embedding_similarity !== undefined) {
    reasons.push({
      source: "content",
      text: `Described in similar words to ${title}`,
      evidence: { shared: "embedding", similarity: round(Number(r.embedding_similarity), 3) },
    });
  }
  return reasons;
}
