// @ts-check
// The /docs page's script (an inline module under the page's CSP; scripts/docs-page.ts builds it into the Worker):
// renders every operation of /openapi.json with a "Try it" form. It never uses inline event handlers, style
// attributes or innerHTML with data from the spec, so the CSP can stay strict.
/** Parsed JSON from /openapi.json: read, never trusted as HTML. @typedef {Record<string, any>} Json */
/** @typedef {Node | string | null | undefined | false} Child */

const TOKEN_KEY = "marquee.docs.token";
/** @type {Json} */
let spec = {};

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, unknown> | null} [attrs] text and className set properties; others attributes (false/null: none)
 * @param {Child[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
function el(tag, attrs, children) {
  const node = document.createElement(tag);
  if (attrs)
    for (const k in attrs) {
      if (k === "text") node.textContent = String(attrs[k]);
      else if (k === "className") node.className = String(attrs[k]);
      else if (attrs[k] !== undefined && attrs[k] !== null && attrs[k] !== false)
        node.setAttribute(k, attrs[k] === true ? "" : String(attrs[k]));
    }
  (children || []).forEach((c) => {
    if (c) node.append(c);
  });
  return node;
}
// Descriptions may carry backtick code spans; everything else is plain text (never HTML from the spec).
/**
 * @param {string} text
 * @param {"p" | "div"} [tag]
 * @param {string} [className]
 */
function prose(text, tag, className) {
  const p = el(tag || "p", className ? { className: className } : null);
  String(text || "")
    .split("\x60")
    .forEach((part, i) => {
      p.append(i % 2 ? el("code", { text: part }) : part);
    });
  return p;
}
/** @param {string} ref */
function refName(ref) {
  return ref.split("/").pop() || "";
}
/** @param {Json | undefined} s @returns {Json} */
function resolve(s) {
  let guard = 0;
  while (s?.$ref && guard++ < 20) s = spec.components?.schemas?.[refName(s.$ref)] || {};
  return s || {};
}
/** allOf folded into one object schema. @param {Json | undefined} s @returns {Json} */
function merged(s) {
  s = resolve(s);
  if (!s.allOf) return s;
  /** @type {Json} */
  const out = { type: "object", properties: {}, required: [] };
  s.allOf.forEach((/** @type {Json} */ part) => {
    const m = merged(part);
    Object.assign(out.properties, m.properties || {});
    out.required = out.required.concat(m.required || []);
    if (m.description && !out.description) out.description = m.description;
  });
  if (s.description) out.description = s.description;
  return out;
}
/** @param {Json | undefined} s @returns {string} */
function typeLabel(s) {
  if (!s) return "any";
  if (s.$ref) return refName(s.$ref);
  if (s.allOf) return s.allOf.map(typeLabel).join(" & ");
  if (s.anyOf || s.oneOf) return (s.anyOf || s.oneOf).map(typeLabel).join(" | ");
  const types = Array.isArray(s.type) ? s.type : [s.type || (s.properties ? "object" : "any")];
  return types.map((/** @type {string} */ t) => (t === "array" ? `array<${typeLabel(s.items)}>` : t)).join(" | ");
}
/** @param {Json} s */
function constraints(s) {
  /** @type {Child[]} */
  const out = [];
  /** @param {string} label @param {unknown} value */
  function add(label, value) {
    out.push(`${label} `, el("code", { text: typeof value === "string" ? value : JSON.stringify(value) }), " ");
  }
  if (s.enum) add("one of", s.enum.join(", "));
  if (s.minimum !== undefined) add("min", s.minimum);
  if (s.maximum !== undefined) add("max", s.maximum);
  if (s.exclusiveMinimum !== undefined) add("greater than", s.exclusiveMinimum);
  if (s.exclusiveMaximum !== undefined) add("less than", s.exclusiveMaximum);
  if (s.minLength !== undefined) add("min length", s.minLength);
  if (s.maxLength !== undefined) add("max length", s.maxLength);
  if (s.minItems !== undefined) add("min items", s.minItems);
  if (s.maxItems !== undefined) add("max items", s.maxItems);
  if (s.pattern) add("pattern", s.pattern);
  if (s.format) add("format", s.format);
  if (s.default !== undefined) add("default", s.default);
  if (s.example !== undefined) add("example", s.example);
  return out.length ? el("span", { className: "cons" }, out) : null;
}
/** @param {Json | undefined} s */
function isObjectish(s) {
  const m = merged(s);
  return Boolean(m.properties);
}
/** @param {Json | undefined} s @param {string[]} [seen] refs already expanded above @returns {HTMLElement | null} */
function schemaTree(s, seen) {
  seen = seen || [];
  const name = s?.$ref ? refName(s.$ref) : null;
  if (name && seen.indexOf(name) >= 0) return el("span", { className: "cons", text: `(${name}, see above)` });
  const next = name ? seen.concat([name]) : seen;
  const raw = resolve(s);
  if (raw.type === "array" || (Array.isArray(raw.type) && raw.type.indexOf("array") >= 0)) {
    return isObjectish(raw.items) ? schemaTree(raw.items, next) : null;
  }
  if (raw.anyOf || raw.oneOf) {
    return el(
      "ul",
      { className: "schema" },
      (raw.anyOf || raw.oneOf).map((/** @type {Json} */ alt) =>
        el("li", null, [el("span", { className: "type", text: typeLabel(alt) }), schemaTree(alt, next)]),
      ),
    );
  }
  const m = merged(raw);
  if (!m.properties) return null;
  const required = m.required || [];
  return el(
    "ul",
    { className: "schema" },
    Object.keys(m.properties).map((key) => {
      const p = m.properties[key];
      const shown = resolve(p);
      const line = el("div", null, [
        el("code", { text: key }),
        required.indexOf(key) >= 0 ? el("span", { className: "req", text: "required" }) : null,
        " ",
        el("span", { className: "type", text: typeLabel(p) }),
        " ",
        constraints(shown),
      ]);
      return el("li", null, [
        line,
        shown.description ? prose(shown.description, "div", "desc") : null,
        schemaTree(p, next),
      ]);
    }),
  );
}
/** @param {Json} s */
function schemaBlock(s) {
  return el("div", null, [
    el("div", null, [el("span", { className: "type", text: typeLabel(s) }), " ", constraints(resolve(s))]),
    schemaTree(s),
  ]);
}
/** @param {Json} s @param {number} [depth] @returns {unknown} */
function exampleFor(s, depth) {
  s = merged(s);
  depth = depth || 0;
  if (s.example !== undefined) return s.example;
  if (s.default !== undefined) return s.default;
  if (s.enum) return s.enum[0];
  const t = Array.isArray(s.type) ? s.type[0] : s.type;
  if (s.properties && depth < 4) {
    /** @type {Record<string, unknown>} */
    const o = {};
    Object.keys(s.properties).forEach((k) => {
      o[k] = exampleFor(s.properties[k], depth + 1);
    });
    return o;
  }
  if (t === "array") return depth < 4 ? [exampleFor(s.items || {}, depth + 1)] : [];
  return t === "integer" || t === "number" ? 0 : t === "boolean" ? false : t === "null" ? null : "";
}
/** @param {unknown} value */
function jsonView(value) {
  const pre = el("pre", { tabindex: "0", "aria-label": "Response body" });
  const text = JSON.stringify(value, null, 2);
  const re = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    pre.append(text.slice(last, m.index));
    const cls = m[1] ? (m[2] ? "k" : "str") : m[3] ? "lit" : "num";
    pre.append(el("span", { className: cls, text: m[1] || m[0] }));
    if (m[2]) pre.append(m[2]);
    last = m.index + m[0].length;
  }
  pre.append(text.slice(last));
  return pre;
}
/** @param {string} method @param {string} path */
function opId(method, path) {
  return `op-${method}-${path.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;
}
/** @param {string} method @param {string} path @param {Json} op @param {string} id */
function tryForm(method, path, op, id) {
  const params = op.parameters || [];
  const form = el("form", { className: "try", "aria-label": `Try ${method.toUpperCase()} ${path}` });
  /** @type {{ param: Json, input: HTMLInputElement | HTMLSelectElement }[]} */
  const inputs = [];
  params.forEach((/** @type {Json} */ p) => {
    if (p.in !== "path" && p.in !== "query") return;
    const s = resolve(p.schema);
    const inputId = `${id}-${p.in}-${p.name}`;
    let input;
    if (s.enum) {
      input = el(
        "select",
        { id: inputId, name: p.name },
        [el("option", { value: "", text: p.required ? "(choose)" : "(default)" })].concat(
          s.enum.map((/** @type {unknown} */ v) => el("option", { value: String(v), text: String(v) })),
        ),
      );
    } else {
      const numeric = s.type === "integer" || s.type === "number";
      input = el("input", {
        id: inputId,
        name: p.name,
        type: "text",
        inputmode: numeric ? "numeric" : null,
        autocomplete: "off",
        placeholder: s.example !== undefined ? String(s.example) : s.default !== undefined ? String(s.default) : "",
      });
    }
    if (p.required) input.required = true;
    inputs.push({ param: p, input: input });
    form.append(
      el("label", { for: inputId }, [
        p.name,
        p.required ? el("span", { className: "req", "aria-hidden": "true", text: "*" }) : null,
      ]),
      input,
    );
  });
  let body = null;
  const content = op.requestBody?.content?.["application/json"];
  if (content) {
    body = el("textarea", { id: `${id}-body`, spellcheck: "false" });
    body.value = JSON.stringify(exampleFor(content.schema || {}), null, 2);
    form.append(el("label", { for: `${id}-body`, text: "JSON body" }), body);
  }
  const button = el("button", { type: "submit", text: "Send request" });
  form.append(el("span"), button);
  const result = el("div", { className: "result", hidden: true, "aria-live": "polite" });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    let url = path;
    const query = new URLSearchParams();
    inputs.forEach((it) => {
      const v = it.input.value.trim();
      if (it.param.in === "path") url = url.replace(`{${it.param.name}}`, encodeURIComponent(v));
      else if (v !== "") query.append(it.param.name, v);
    });
    const qs = query.toString();
    if (qs) url += `?${qs}`;
    /** @type {Record<string, string>} */
    const headers = { Accept: "application/json" };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    /** @type {RequestInit & { method: string }} */
    const init = { method: method.toUpperCase(), headers: headers };
    if (body) {
      try {
        JSON.parse(body.value);
      } catch (e) {
        result.hidden = false;
        result.replaceChildren(
          el("p", { className: "error", text: `The body is not valid JSON: ${/** @type {Error} */ (e).message}` }),
        );
        return;
      }
      headers["Content-Type"] = "application/json";
      init.body = body.value;
    }
    button.disabled = true;
    const started = performance.now();
    fetch(url, init)
      .then((res) =>
        res.text().then((text) => {
          show(res, text, Math.round(performance.now() - started));
        }),
      )
      .catch((e) => {
        result.hidden = false;
        result.replaceChildren(el("p", { className: "error", text: `Request failed: ${e.message}` }));
      })
      .finally(() => {
        button.disabled = false;
      });
    /** @param {Response} res @param {string} text @param {number} ms */
    function show(res, text, ms) {
      const meta = el("dl", { className: "meta" });
      /** @param {string} k @param {string | null} v */
      function row(k, v) {
        if (v !== null && v !== undefined && v !== "") meta.append(el("dt", { text: k }), el("dd", { text: v }));
      }
      row("Request", `${init.method} ${url}`);
      const cls = `status s${String(res.status).charAt(0)}`;
      meta.append(
        el("dt", { text: "Status" }),
        el("dd", null, [
          el("span", { className: cls, "data-testid": "status", text: String(res.status) }),
          res.statusText,
          ` \u00b7 ${ms} ms`,
        ]),
      );
      ["X-Request-Id", "ETag", "Cache-Control", "Content-Type"].forEach((h) => {
        row(h, res.headers.get(h));
      });
      let view;
      try {
        view = text ? jsonView(JSON.parse(text)) : el("p", { className: "cons", text: "(empty body)" });
      } catch (_e) {
        view = el("pre", { tabindex: "0", text: text.length > 20000 ? `${text.slice(0, 20000)}\n...` : text });
      }
      result.hidden = false;
      result.replaceChildren(el("h3", { text: "Response" }), meta, view);
    }
  });
  return el("div", null, [form, result]);
}
/** @param {string} method @param {string} path @param {Json} op */
function operation(method, path, op) {
  const id = opId(method, path);
  /** @type {Child[]} */
  const parts = [];
  if (op.description) parts.push(prose(op.description));
  const params = op.parameters || [];
  if (params.length) {
    parts.push(
      el("h3", { text: "Parameters" }),
      el("table", null, [
        el("thead", null, [
          el(
            "tr",
            null,
            ["Name", "In", "Type", "Constraints and description"].map((h) => el("th", { scope: "col", text: h })),
          ),
        ]),
        el(
          "tbody",
          null,
          params.map((/** @type {Json} */ p) => {
            const s = resolve(p.schema);
            return el("tr", null, [
              el("td", null, [
                el("code", { text: p.name }),
                p.required ? el("span", { className: "req", text: "required" }) : null,
              ]),
              el("td", { text: p.in }),
              el("td", null, [el("span", { className: "type", text: typeLabel(p.schema) })]),
              el("td", null, [
                constraints(s),
                p.description || s.description ? prose(p.description || s.description, "div", "desc") : null,
              ]),
            ]);
          }),
        ),
      ]),
    );
  }
  const rb = op.requestBody?.content;
  if (rb) {
    parts.push(el("h3", { text: "Request body" }));
    Object.keys(rb).forEach((type) => {
      parts.push(
        el("div", { className: "cons", text: type + (op.requestBody.required ? " (required)" : "") }),
        schemaBlock(rb[type].schema || {}),
      );
    });
  }
  parts.push(el("h3", { text: "Responses" }));
  Object.keys(op.responses || {}).forEach((status) => {
    const r = op.responses[status];
    const content = r.content || {};
    const head = el("summary", null, [
      el("span", { className: `status s${status.charAt(0)}`, text: status }),
      r.description || "",
    ]);
    const inner = Object.keys(content).map((type) =>
      el("div", null, [
        el("div", { className: "cons", text: type }),
        content[type].schema ? schemaBlock(content[type].schema) : null,
      ]),
    );
    parts.push(
      el(
        "details",
        { className: "resp" },
        [head].concat(inner.length ? inner : [el("div", { className: "cons", text: "No body." })]),
      ),
    );
  });
  parts.push(el("h3", { text: "Try it" }), tryForm(method, path, op, id));
  return el("details", { className: "op", id: id }, [
    el("summary", null, [
      el("span", { className: `method m-${method}`, text: method }),
      el("span", { className: "path", text: path }),
      el("span", { className: "summary", text: op.summary || "" }),
    ]),
    el("div", { className: "body" }, parts),
  ]);
}
/** An element the page's HTML declares; its absence is a bug in page.html. @param {string} id */
function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`page.html has no #${id}`);
  return node;
}
function render() {
  document.title = `${spec.info.title} \u00b7 API docs`;
  byId("title").replaceChildren(
    spec.info.title,
    el("small", { text: `v${spec.info.version} \u00b7 OpenAPI ${spec.openapi}` }),
  );
  /** @type {Record<string, [string, string, Json][]>} */
  const groups = {};
  /** @type {string[]} */
  const order = [];
  const methods = ["get", "post", "put", "patch", "delete"];
  Object.keys(spec.paths).forEach((path) => {
    methods.forEach((m) => {
      const op = spec.paths[path][m];
      if (!op) return;
      (op.tags?.length ? op.tags : ["Other"]).forEach((/** @type {string} */ tag) => {
        if (!groups[tag]) {
          groups[tag] = [];
          order.push(tag);
        }
        groups[tag].push([m, path, op]);
      });
    });
  });
  const nav = byId("nav");
  const main = byId("ops");
  nav.replaceChildren();
  main.replaceChildren();
  if (spec.info.description) main.append(prose(spec.info.description));
  order.forEach((tag) => {
    const links = el("ul");
    nav.append(el("h2", { text: tag }), links);
    const section = el("section", { "aria-label": tag }, [el("h2", { text: tag })]);
    groups[tag].forEach((o) => {
      links.append(
        el("li", null, [
          el("a", { href: `#${opId(o[0], o[1])}` }, [
            el("span", { className: `t-${o[0]}`, text: o[0].toUpperCase() }),
            el("span", { className: "np", text: o[1] }),
          ]),
        ]),
      );
      section.append(operation(o[0], o[1], o[2]));
    });
    main.append(section);
  });
  openFromHash();
}
function openFromHash() {
  const target = location.hash && document.getElementById(location.hash.slice(1));
  if (target instanceof HTMLDetailsElement) {
    target.open = true;
    target.scrollIntoView();
  }
}
window.addEventListener("hashchange", openFromHash);
byId("auth").addEventListener("submit", (event) => {
  event.preventDefault();
});
const tokenInput = /** @type {HTMLInputElement} */ (byId("token"));
tokenInput.value = sessionStorage.getItem(TOKEN_KEY) || "";
tokenInput.addEventListener("input", () => {
  const v = tokenInput.value.trim();
  if (v) sessionStorage.setItem(TOKEN_KEY, v);
  else sessionStorage.removeItem(TOKEN_KEY);
});
fetch("openapi.json", { headers: { Accept: "application/json" } })
  .then((res) => {
    if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
    return res.json();
  })
  .then((json) => {
    spec = json;
    render();
    document.body.setAttribute("data-ready", "true");
  })
  .catch((e) => {
    byId("ops").replaceChildren(
      el("p", {
        className: "error",
        role: "alert",
        text: `Could not load the API description: ${/** @type {Error} */ (e).message}`,
      }),
    );
  });
