/**
 * Synthetic readers for the demo's books: some of the demo's film fans (taste-model.ts) also read, and what they
 * read follows the same taste clusters, so cross-catalogue signals are real in the data: science-fiction and
 * fantasy film fans read fantasy and science fiction ("people who loved Arrival also loved Dune"), fans of dark
 * films read crime and horror, and so on.
 *
 * goodbooks-10k has no subjects, so a book's cluster comes from its first author, by the list below: a fact about
 * what each author is known for writing, used only to draw synthetic readers. It is never stored as a subject.
 * Books by authors not on the list are read for their fame alone, by anyone, and rated by their quality.
 */
import { createRng, type DemoRating, type DemoUser } from "./taste-model";

/** Well-known authors of the fixture's most-read books, by the taste cluster (taste-model.ts) of their work. */
export const AUTHOR_CLUSTERS: Record<string, string> = Object.fromEntries(
  Object.entries({
    speculative: [
      "J.R.R. Tolkien",
      "Frank Herbert",
      "Isaac Asimov",
      "George R.R. Martin",
      "Brandon Sanderson",
      "Robert Jordan",
      "Terry Pratchett",
      "Neil Gaiman",
      "Douglas Adams",
      "Orson Scott Card",
      "Ursula K. Le Guin",
      "Philip K. Dick",
      "Ray Bradbury",
      "H.G. Wells",
      "Neal Stephenson",
      "Robin Hobb",
      "Patrick Rothfuss",
      "Terry Goodkind",
      "David Eddings",
      "Brent Weeks",
      "Robert A. Heinlein",
      "Jim Butcher",
      "Suzanne Collins",
      "Veronica Roth",
      "Christopher Paolini",
      "James Dashner",
      "Scott Westerfeld",
      "Marissa Meyer",
      "Leigh Bardugo",
      "Laini Taylor",
      "Sarah J. Maas",
      "Philip Pullman",
      "Margaret Atwood",
      "Kurt Vonnegut Jr.",
      "Andy Weir",
      "Ernest Cline",
      "William Gibson",
      "Arthur C. Clarke",
      "Dan Simmons",
      "Joe Abercrombie",
      "Scott Lynch",
      "Pierce Brown",
      "Madeleine L'Engle",
      "Cassandra Clare",
      "Patricia Briggs",
      "Deborah Harkness",
      "Marie Lu",
      "Lois Lowry",
    ],
    dark: [
      "Stephen King",
      "Agatha Christie",
      "Arthur Conan Doyle",
      "Dan Brown",
      "Gillian Flynn",
      "Stieg Larsson",
      "Thomas Harris",
      "Tana French",
      "Robert Galbraith",
      "Dean Koontz",
      "Edgar Allan Poe",
      "Anne Rice",
      "Richard Bachman",
      "Michael Crichton",
      "Lee Child",
      "James Patterson",
      "John Grisham",
      "David Baldacci",
      "Chuck Palahniuk",
      "Paula Hawkins",
      "Karin Slaughter",
      "Harlan Coben",
      "Jo Nesbø",
      "Bram Stoker",
    ],
    romcom: [
      "Nicholas Sparks",
      "Sophie Kinsella",
      "Colleen Hoover",
      "Emily Giffin",
      "Jojo Moyes",
      "Janet Evanovich",
      "Nora Roberts",
      "Sylvia Day",
      "E.L. James",
      "Abbi Glines",
      "Jamie McGuire",
      "Jenny Han",
      "Rainbow Rowell",
      "Stephanie Perkins",
      "Kiera Cass",
      "Meg Cabot",
      "Lauren Weisberger",
      "Jennifer Weiner",
      "David Sedaris",
      "Helen Fielding",
      "Diana Gabaldon",
      "J.R. Ward",
      "Charlaine Harris",
      "Richelle Mead",
      "Stephenie Meyer",
    ],
    drama: [
      "Jane Austen",
      "Charles Dickens",
      "John Steinbeck",
      "Ernest Hemingway",
      "Fyodor Dostoyevsky",
      "Leo Tolstoy",
      "Harper Lee",
      "F. Scott Fitzgerald",
      "George Orwell",
      "J.D. Salinger",
      "Khaled Hosseini",
      "Jodi Picoult",
      "Kristin Hannah",
      "Ken Follett",
      "Philippa Gregory",
      "Kate Morton",
      "Toni Morrison",
      "Cormac McCarthy",
      "Haruki Murakami",
      "Gabriel García Márquez",
      "Barbara Kingsolver",
      "Jhumpa Lahiri",
      "John Irving",
      "Paulo Coelho",
      "Mitch Albom",
      "Liane Moriarty",
      "William Shakespeare",
      "Ann Patchett",
      "Amy Tan",
      "Jeffrey Eugenides",
      "Markus Zusak",
      "Anthony Doerr",
      "Donna Tartt",
      "Ayn Rand",
      "Sue Monk Kidd",
    ],
    family: [
      "J.K. Rowling",
      "Rick Riordan",
      "Roald Dahl",
      "C.S. Lewis",
      "Lemony Snicket",
      "Dr. Seuss",
      "Jeff Kinney",
      "Eoin Colfer",
      "Laura Ingalls Wilder",
      "L.M. Montgomery",
      "Cornelia Funke",
      "Brandon Mull",
      "Tamora Pierce",
      "Shel Silverstein",
      "Lewis Carroll",
      "E.B. White",
      "Beverly Cleary",
      "Louis Sachar",
      "R.J. Palacio",
      "Maurice Sendak",
      "Eric Carle",
      "Kate DiCamillo",
      "Ransom Riggs",
      "John Green",
    ],
    action: [
      "Tom Clancy",
      "Clive Cussler",
      "Alexandre Dumas",
      "Robert Louis Stevenson",
      "Jack London",
      "Jon Krakauer",
      "Erik Larson",
      "Laura Hillenbrand",
      "Mark Twain",
      "Jules Verne",
      "Bernard Cornwell",
      "Wilbur Smith",
    ],
  }).flatMap(([cluster, authors]) => authors.map((a) => [a, cluster])),
);

export interface ReaderBook {
  id: number;
  authors: readonly string[];
  averageRating: number;
  ratingCount: number;
}

export interface DemoBookRating {
  userId: string;
  bookId: number;
  rating: number;
  createdAt: string;
}

/** Share of the demo's users who also read. */
const READER_SHARE = 0.6;
const DAY_MS = 86_400_000;

/**
 * Book ratings by a share of the given users (the demo login always reads), drawn from their favourite clusters.
 * Deterministic for a seed. `filmRatings` dates each user's book ratings within the span of their film ratings.
 */
export function generateReaderRatings(
  users: readonly DemoUser[],
  books: readonly ReaderBook[],
  filmRatings: readonly DemoRating[],
  seed = 20261203,
): DemoBookRating[] {
  if (books.length === 0) return [];
  const span = new Map<string, [number, number]>();
  for (const r of filmRatings) {
    const t = Date.parse(r.createdAt);
    const s = span.get(r.userId);
    span.set(r.userId, s ? [Math.min(s[0], t), Math.max(s[1], t)] : [t, t]);
  }
  const clusterOf = books.map((b) => AUTHOR_CLUSTERS[b.authors[0] ?? ""] ?? null);
  const logCount = books.map((b) => Math.log(10 + b.ratingCount));
  const quality = books.map((b) => b.averageRating - 3.95);
  const out: DemoBookRating[] = [];
  const keys = new Float64Array(books.length);
  const order = books.map((_, k) => k);

  users.forEach((user, u) => {
    const rng = createRng(seed + u * 7919);
    const isDemo = u === 0;
    if (!isDemo && rng() > READER_SHARE) return;
    const favourites = new Set(user.favouriteClusters);
    const count = isDemo ? 12 : Math.max(8, Math.min(120, Math.round(30 * Math.exp(0.8 * gaussian(rng)))));
    const affinity = (k: number) => {
      const c = clusterOf[k];
      return c === null ? 0 : favourites.has(c) ? 1 : -0.6;
    };
    for (let k = 0; k < books.length; k++) {
      const weight = 0.55 * (logCount[k] as number) + 2.2 * affinity(k);
      keys[k] = -Math.log(1 - rng()) / Math.exp(weight);
    }
    order.sort((x, y) => (keys[x] as number) - (keys[y] as number) || x - y);
    const [from, to] = span.get(user.id) ?? [Date.parse(user.createdAt), Date.parse(user.createdAt) + 30 * DAY_MS];
    const bias = 0.3 * gaussian(rng);
    for (let k = 0; k < Math.min(count, books.length); k++) {
      const b = order[k] as number;
      const raw = 3.55 + bias + 1.1 * (quality[b] as number) + 0.9 * affinity(b) + 0.5 * gaussian(rng);
      out.push({
        userId: user.id,
        bookId: (books[b] as ReaderBook).id,
        rating: Math.min(5, Math.max(0.5, Math.round(raw * 2) / 2)),
        createdAt: new Date(from + Math.floor(rng() * Math.max(1, to - from))).toISOString(),
      });
    }
  });
  return out;
}

function gaussian(rng: () => number): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}
