/**
 * A streaming RFC 4180 CSV parser: quoted fields with commas, doubled quotes and line breaks (Letterboxd reviews
 * hold all three, and HTML), CRLF or LF line ends, a leading byte-order mark. It reads text chunks as they come
 * and yields one record at a time, so memory is bounded by the longest record, not the file.
 */

export class CsvError extends Error {
  override name = "CsvError";
}

/** Yields the records of a text stream (the header is the first). Empty lines are skipped. */
export async function* parseCsv(
  chunks: AsyncIterable<string>,
  options: { maxFieldChars?: number } = {},
): AsyncGenerator<string[]> {
  const maxField = options.maxFieldChars ?? 100_000;
  let record: string[] = [];
  let field = "";
  let quoted = false;
  /** The previous character closed a quoted section: a quote now is an escaped quote. */
  let afterQuote = false;
  let fieldStarted = false;
  let first = true;
  let line = 1;

  const endField = () => {
    record.push(field);
    field = "";
    fieldStarted = false;
    afterQuote = false;
  };

  for await (let chunk of chunks) {
    if (first) {
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      first = false;
    }
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i];
      if (quoted) {
        if (ch === '"') {
          quoted = false;
          afterQuote = true;
        } else {
          if (ch === "\n") line++;
          field += ch;
        }
      } else if (ch === '"') {
        if (afterQuote) {
          field += '"';
          quoted = true;
          afterQuote = false;
        } else if (!fieldStarted) {
          quoted = true;
          fieldStarted = true;
        } else {
          throw new CsvError(`line ${line}: a quote inside an unquoted field`);
        }
      } else if (ch === ",") {
        endField();
      } else if (ch === "\n" || ch === "\r") {
        if (ch === "\r" && chunk[i + 1] === "\n") i++;
        if (fieldStarted || field !== "" || record.length > 0) {
          endField();
          yield record;
        }
        record = [];
        line++;
        continue;
      } else {
        if (afterQuote) throw new CsvError(`line ${line}: text after a closing quote`);
        field += ch;
        fieldStarted = true;
      }
      if (field.length > maxField) throw new CsvError(`line ${line}: a field longer than ${maxField} characters`);
    }
  }
  if (quoted) throw new CsvError(`line ${line}: a quoted field is not closed`);
  if (fieldStarted || field !== "" || record.length > 0) {
    endField();
    yield record;
  }
}

/** A byte stream as text chunks (UTF-8; invalid bytes are an error, not replacement characters). */
export async function* textChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = stream
    .pipeThrough(new TextDecoderStream("utf-8", { fatal: true }) as unknown as TransformStream<Uint8Array, string>)
    .getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Stopping early (an error, a row limit) must not leave the inflater running.
    await reader.cancel().catch(() => {});
  }
}
