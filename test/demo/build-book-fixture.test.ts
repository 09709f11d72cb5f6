import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  BOOK_COLUMNS,
  buildBookFixtureData,
  isbn13Of,
  repairIsbn10,
  serializeBookFixture,
  splitSeries,
} from "../../node/demo/build-book-fixture";
import { booksFromFixture, DEFAULT_BOOK_FIXTURE, readBookFixture } from "../../node/demo/load-demo";

// goodbooks-10k is not in the repository; the rebuild check runs where it is.
const BOOKS_CSV =
  process.env.GOODBOOKS_CSV ?? fileURLToPath(new URL("../../../shared/data/goodbooks-10k/books.csv", import.meta.url));

const HEADER =
  "book_id,goodreads_book_id,best_book_id,work_id,books_count,isbn,isbn13,authors,original_publication_year," +
  "original_title,title,language_code,average_rating,ratings_count,work_ratings_count,work_text_reviews_count," +
  "ratings_1,ratings_2,ratings_3,ratings_4,ratings_5,image_url,small_image_url";

describe("the goodbooks-10k repairs", () => {
  it("restores the leading zeros of an ISBN-10 and keeps it only when the check digit holds", () => {
    expect(repairIsbn10("439023483")).toBe("0439023483");
    expect(repairIsbn10("80442957X")).toBe("080442957X");
    expect(repairIsbn10("439023484"), "a wrong check digit").toBeNull();
    expect(repairIsbn10("9.78043902348e+12"), "scientific notation").toBeNull();
    expect(repairIsbn10("")).toBeNull();
  });

  it("derives the ISBN-13 from the ISBN-10", () => {
    expect(isbn13Of("0439023483")).toBe("9780439023481");
    expect(isbn13Of("080442957X")).toBe("9780804429573");
  });

  it("moves the series suffix out of the title", () => {
    expect(splitSeries("The Hunger Games (The Hunger Games, #1)")).toEqual({
      title: "The Hunger Games",
      series: "The Hunger Games",
      position: "1",
    });
    expect(splitSeries("Ender's Game (Ender's Saga, #1)").series).toBe("Ender's Saga");
    expect(splitSeries("The Complete Stories (Discworld #1-3)")).toEqual({
      title: "The Complete Stories",
      series: "Discworld",
      position: "1-3",
    });
    expect(splitSeries("1984")).toEqual({ title: "1984", series: null, position: null });
  });

  it("keeps facts only, drops the nophoto placeholder and maps language codes", () => {
    const csv = [
      HEADER,
      '1,2767052,2767052,2792775,272,439023483,9.78043902348e+12,Suzanne Collins,2008.0,The Hunger Games,"The Hunger Games (The Hunger Games, #1)",eng,4.34,4780653,4942365,155254,1,2,3,4,5,https://images.gr-assets.com/books/1447303603m/2767052.jpg,x',
      '2,3,3,4640799,491,439554934,9.78043955493e+12,"J.K. Rowling, Mary GrandPré",1997.0,Harry Potter and the Philosopher\'s Stone,"Harry Potter and the Sorcerer\'s Stone (Harry Potter, #1)",en-US,4.44,4602479,4800065,75867,1,2,3,4,5,https://s.gr-assets.com/assets/nophoto/book/111x148-bcc042a9c91a29c1d680899eff700a03.png,x',
      "3,9,9,9,1,,,Homer,-750.0,Ὀδύσσεια,The Odyssey,,3.73,600000,650000,1,1,2,3,4,5,,x",
    ].join("\n");
    const fixture = buildBookFixtureData(csv, 10);
    expect(fixture.columns).toEqual([...BOOK_COLUMNS]);
    expect(fixture.licence).toBe("CC-BY-SA-4.0");
    expect(fixture.source).toMatch(/goodbooks-10k by Zygmunt Zając.*CC BY-SA 4\.0/);
    const books = booksFromFixture(fixture);
    expect(
      books.map((b) => b.id),
      "most-rated first",
    ).toEqual([1, 2, 3]);
    expect(books[1]).toMatchObject({
      title: "Harry Potter and the Sorcerer's Stone",
      original_title: "Harry Potter and the Philosopher's Stone",
      authors: ["J.K. Rowling", "Mary GrandPré"],
      language: "en",
      isbn10: ["0439554934"],
      isbn13: ["9780439554930"],
      goodreads_book_id: 3,
      goodreads_work_id: 4640799,
      cover_url: null,
    });
    expect(books[2]).toMatchObject({ first_published_year: -750, language: null, isbn10: [], isbn13: [] });
  });
});

describe("the committed book fixture", () => {
  it("is rebuilt byte for byte from goodbooks-10k", async (context) => {
    if (!existsSync(BOOKS_CSV)) context.skip();
    const rebuilt = serializeBookFixture(buildBookFixtureData(await readFile(BOOKS_CSV, "utf8"), 2000));
    expect(rebuilt === (await readFile(DEFAULT_BOOK_FIXTURE, "utf8")), "run node/demo/build-book-fixture.ts").toBe(
      true,
    );
  });

  it("holds 2,000 books, every ISBN checksum-valid", async () => {
    const books = booksFromFixture(await readBookFixture());
    expect(books).toHaveLength(2000);
    for (const b of books) for (const isbn of b.isbn10) expect(repairIsbn10(isbn)).toBe(isbn);
  });
});
