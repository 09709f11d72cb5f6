/**
 * Splits a SQL script into its top-level statements, each with the comment lines written just above it. Knows
 * what PostgreSQL's own lexer knows that matters for splitting: single-quoted strings (with '' escapes), quoted
 * identifiers, dollar-quoted bodies ($$ and $tag$), line comments and nested block comments. The declared-schema
 * tools use it to find which object each statement defines.
 */

export interface SqlStatement {
  /** The comment lines directly above the statement (a contract header), verbatim. */
  comment: string;
  /** The statement itself, without its trailing semicolon. */
  sql: string;
}

export function splitSql(script: string): SqlStatement[] {
  const out: SqlStatement[] = [];
  let i = 0;
  let start = 0;
  const n = script.length;
  const flush = (end: number) => {
    const chunk = script.slice(start, end);
    start = end + 1;
    const lines = chunk.replace(/^\s*\n/, "").split("\n");
    // Leading comment lines (after blank lines are dropped) form the header; a blank line separates unrelated prose.
    let k = 0;
    let header: string[] = [];
    while (k < lines.length && /^\s*(--.*)?$/.test(lines[k])) {
      if (/^\s*$/.test(lines[k])) header = [];
      else header.push(lines[k]);
      k++;
    }
    const sql = lines.slice(k).join("\n").trim();
    if (sql) out.push({ comment: header.join("\n"), sql });
  };
  while (i < n) {
    const ch = script[i];
    const next = script[i + 1];
    if (ch === "-" && next === "-") {
      const eol = script.indexOf("\n", i);
      i = eol === -1 ? n : eol + 1;
    } else if (ch === "/" && next === "*") {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (script[i] === "/" && script[i + 1] === "*") {
          depth++;
          i += 2;
        } else if (script[i] === "*" && script[i + 1] === "/") {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (ch === "'" || ch === '"') {
      i++;
      while (i < n) {
        if (script[i] === ch) {
          if (script[i + 1] === ch) i += 2;
          else break;
        } else i++;
      }
      i++;
    } else if (ch === "$") {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(script.slice(i, i + 64));
      if (m && !/[A-Za-z0-9_]/.test(script[i - 1] ?? "")) {
        const close = script.indexOf(m[0], i + m[0].length);
        i = close === -1 ? n : close + m[0].length;
      } else i++;
    } else if (ch === ";") {
      flush(i);
      i++;
    } else i++;
  }
  flush(n);
  return out;
}
