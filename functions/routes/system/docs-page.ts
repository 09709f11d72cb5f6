/**
 * The interactive API docs page served at GET /docs: one self-contained HTML document (inline CSS and JS, no CDN,
 * no fonts) that reads /openapi.json and renders every operation with a "Try it" form. It must work offline and
 * under a strict Content-Security-Policy, so the script and the style are allowed by their SHA-256 hashes and
 * the code never uses inline event handlers, style attributes or innerHTML with data from the spec.
 * Runtime-neutral: plain strings plus Web Crypto, so the Worker serves the same page.
 */

const STYLE = String.raw`
:root{color-scheme:light dark;--bg:#fbfbfd;--fg:#1d1d22;--muted:#5d6170;--line:#dfe1e8;--card:#fff;--code:#f2f3f7;
--accent:#3b4fd8;--get:#1b7f4b;--post:#2358c9;--put:#9a5b00;--patch:#7b3fb5;--delete:#b3261e;--ok:#1b7f4b;--bad:#b3261e}
@media (prefers-color-scheme:dark){:root{--bg:#15161a;--fg:#e8e9ee;--muted:#a3a7b5;--line:#2e3039;--card:#1c1d23;
--code:#24262e;--accent:#8c9bff;--get:#4cc38a;--post:#7aa7ff;--put:#f0b35a;--patch:#c79bff;--delete:#ff8a80;--ok:#4cc38a;--bad:#ff8a80}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
code,pre,input,select,textarea{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
a{color:var(--accent)}
header{display:flex;flex-wrap:wrap;gap:12px 24px;align-items:center;justify-content:space-between;padding:16px 28px;
border-bottom:1px solid var(--line);background:var(--card);position:sticky;top:0;z-index:1}
header h1{margin:0;font-size:20px}header h1 small{color:var(--muted);font-weight:400;font-size:13px;margin-left:8px}
.auth{display:flex;gap:8px;align-items:center}.auth label{font-size:13px;color:var(--muted)}
.auth input{width:260px}
.layout{display:grid;grid-template-columns:260px minmax(0,1fr);max-width:1280px;margin:0 auto}
nav{padding:20px 16px;position:sticky;top:70px;align-self:start;max-height:calc(100vh - 70px);overflow:auto}
nav h2{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:16px 0 6px}
nav ul{list-style:none;margin:0;padding:0}nav li a{display:flex;gap:8px;align-items:baseline;padding:3px 6px;
border-radius:6px;text-decoration:none;color:var(--fg);font-size:13px}nav li a:hover{background:var(--code)}
main{padding:20px 28px 60px;min-width:0}
.intro{color:var(--muted);margin:0 0 8px}
section>h2{font-size:18px;margin:28px 0 10px;padding-bottom:6px;border-bottom:1px solid var(--line)}
details.op{background:var(--card);border:1px solid var(--line);border-radius:10px;margin:10px 0;scroll-margin-top:84px}
details.op>summary{display:flex;gap:12px;align-items:center;padding:10px 14px;cursor:pointer;list-style:none}
details.op>summary::-webkit-details-marker{display:none}
details.op>summary::before{content:"\25B8";color:var(--muted);width:10px}details.op[open]>summary::before{content:"\25BE"}
details.op[open]>summary{border-bottom:1px solid var(--line)}
.method{font:700 12px/1 ui-monospace,monospace;text-transform:uppercase;padding:5px 8px;border-radius:5px;min-width:58px;
text-align:center;color:#fff;background:var(--muted)}
.m-get{background:var(--get)}.m-post{background:var(--post)}.m-put{background:var(--put)}.m-patch{background:var(--patch)}
.m-delete{background:var(--delete)}
@media (prefers-color-scheme:dark){.method{color:#111}}
.path{font-family:ui-monospace,monospace;font-weight:600}.summary{color:var(--muted)}
.body{padding:6px 18px 16px}.body h3{font-size:14px;margin:18px 0 6px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;vertical-align:top;padding:6px 8px;
border-bottom:1px solid var(--line)}th{color:var(--muted);font-weight:600}
code{background:var(--code);padding:1px 4px;border-radius:4px}
.req{color:var(--bad);font-size:11px;font-weight:700;margin-left:4px}
.type{color:var(--accent);font-family:ui-monospace,monospace;font-size:12px}
.cons{color:var(--muted);font-size:12px}.cons code{font-size:12px}
ul.schema{list-style:none;margin:4px 0;padding-left:16px;border-left:2px solid var(--line)}ul.schema li{margin:3px 0}
.np{overflow-wrap:anywhere;min-width:0}
.desc{font-size:13px;color:var(--muted);margin:0 0 2px}.desc code{font-size:12px}
.t-get{color:var(--get)}.t-post{color:var(--post)}.t-put{color:var(--put)}.t-patch{color:var(--patch)}.t-delete{color:var(--delete)}
nav .t-get,nav .t-post,nav .t-put,nav .t-patch,nav .t-delete{font:700 11px ui-monospace,monospace;min-width:42px}
details.resp{border-bottom:1px solid var(--line);padding:4px 0}details.resp>summary{cursor:pointer}
.status{font-weight:700;font-family:ui-monospace,monospace;margin-right:8px}.s2{color:var(--ok)}.s3{color:var(--muted)}
.s4,.s5{color:var(--bad)}
form.try{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:8px 12px;align-items:center;margin-top:8px;
padding:12px;background:var(--code);border-radius:8px}
form.try label{font-family:ui-monospace,monospace;font-size:13px}
input,select,textarea{background:var(--card);color:var(--fg);border:1px solid var(--line);border-radius:6px;padding:6px 8px;
width:100%}textarea{min-height:120px;resize:vertical}
button{font:600 14px system-ui,sans-serif;background:var(--accent);color:#fff;border:0;border-radius:6px;padding:7px 16px;
cursor:pointer;justify-self:start}@media (prefers-color-scheme:dark){button{color:#111}}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.result{margin-top:12px}.result[hidden]{display:none}
.meta{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 12px;font-size:13px;margin:6px 0}
.meta dt{color:var(--muted)}.meta dd{margin:0;font-family:ui-monospace,monospace;overflow-wrap:anywhere}
pre{background:var(--code);padding:12px;border-radius:8px;overflow:auto;max-height:480px;margin:6px 0}
.k{color:var(--accent)}.str{color:var(--get)}.num{color:var(--put)}.lit{color:var(--patch)}
.error{color:var(--bad)}
@media (max-width:800px){.layout{grid-template-columns:1fr}nav{display:none}.auth input{width:180px}}
`;

const SCRIPT = String.raw`
(function () {
  "use strict";
  var TOKEN_KEY = "marquee.docs.token";
  var spec = null;
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else if (attrs[k] !== undefined && attrs[k] !== null && attrs[k] !== false) node.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    }
    (children || []).forEach(function (c) { if (c) node.append(c); });
    return node;
  }
  // Descriptions may carry backtick code spans; everything else is plain text (never HTML from the spec).
  function prose(text, tag, className) {
    var p = el(tag || "p", className ? { className: className } : null);
    String(text || "").split("\x60").forEach(function (part, i) { p.append(i % 2 ? el("code", { text: part }) : part); });
    return p;
  }
  function refName(ref) { return ref.split("/").pop(); }
  function resolve(s) {
    var guard = 0;
    while (s && s.$ref && guard++ < 20) s = (spec.components && spec.components.schemas || {})[refName(s.$ref)] || {};
    return s || {};
  }
  function merged(s) {
    s = resolve(s);
    if (!s.allOf) return s;
    var out = { type: "object", properties: {}, required: [] };
    s.allOf.forEach(function (part) {
      var m = merged(part);
      Object.assign(out.properties, m.properties || {});
      out.required = out.required.concat(m.required || []);
      if (m.description && !out.description) out.description = m.description;
    });
    if (s.description) out.description = s.description;
    return out;
  }
  function typeLabel(s) {
    if (!s) return "any";
    if (s.$ref) return refName(s.$ref);
    if (s.allOf) return s.allOf.map(typeLabel).join(" & ");
    if (s.anyOf || s.oneOf) return (s.anyOf || s.oneOf).map(typeLabel).join(" | ");
    var types = Array.isArray(s.type) ? s.type : [s.type || (s.properties ? "object" : "any")];
    return types.map(function (t) { return t === "array" ? "array<" + typeLabel(s.items) + ">" : t; }).join(" | ");
  }
  function constraints(s) {
    var out = [];
    function add(label, value) { out.push(label + " ", el("code", { text: typeof value === "string" ? value : JSON.stringify(value) }), " "); }
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
  function isObjectish(s) { var m = merged(s); return Boolean(m.properties); }
  function schemaTree(s, seen) {
    seen = seen || [];
    var name = s && s.$ref ? refName(s.$ref) : null;
    if (name && seen.indexOf(name) >= 0) return el("span", { className: "cons", text: "(" + name + ", see above)" });
    var next = name ? seen.concat([name]) : seen;
    var raw = resolve(s);
    if (raw.type === "array" || (Array.isArray(raw.type) && raw.type.indexOf("array") >= 0)) {
      return isObjectish(raw.items) ? schemaTree(raw.items, next) : null;
    }
    if (raw.anyOf || raw.oneOf) {
      return el("ul", { className: "schema" }, (raw.anyOf || raw.oneOf).map(function (alt) {
        return el("li", null, [el("span", { className: "type", text: typeLabel(alt) }), schemaTree(alt, next)]);
      }));
    }
    var m = merged(raw);
    if (!m.properties) return null;
    var required = m.required || [];
    return el("ul", { className: "schema" }, Object.keys(m.properties).map(function (key) {
      var p = m.properties[key];
      var shown = resolve(p);
      var line = el("div", null, [el("code", { text: key }), required.indexOf(key) >= 0 ? el("span", { className: "req", text: "required" }) : null,
        " ", el("span", { className: "type", text: typeLabel(p) }), " ", constraints(shown)]);
      return el("li", null, [line, shown.description ? prose(shown.description, "div", "desc") : null, schemaTree(p, next)]);
    }));
  }
  function schemaBlock(s) {
    return el("div", null, [el("div", null, [el("span", { className: "type", text: typeLabel(s) }), " ", constraints(resolve(s))]), schemaTree(s)]);
  }
  function exampleFor(s, depth) {
    s = merged(s); depth = depth || 0;
    if (s.example !== undefined) return s.example;
    if (s.default !== undefined) return s.default;
    if (s.enum) return s.enum[0];
    var t = Array.isArray(s.type) ? s.type[0] : s.type;
    if (s.properties && depth < 4) {
      var o = {};
      Object.keys(s.properties).forEach(function (k) { o[k] = exampleFor(s.properties[k], depth + 1); });
      return o;
    }
    if (t === "array") return depth < 4 ? [exampleFor(s.items || {}, depth + 1)] : [];
    return t === "integer" || t === "number" ? 0 : t === "boolean" ? false : t === "null" ? null : "";
  }
  function jsonView(value) {
    var pre = el("pre", { tabindex: "0", "aria-label": "Response body" });
    var text = JSON.stringify(value, null, 2);
    var re = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
    var last = 0, m;
    while ((m = re.exec(text))) {
      pre.append(text.slice(last, m.index));
      var cls = m[1] ? (m[2] ? "k" : "str") : m[3] ? "lit" : "num";
      pre.append(el("span", { className: cls, text: m[1] || m[0] }));
      if (m[2]) pre.append(m[2]);
      last = re.lastIndex;
    }
    pre.append(text.slice(last));
    return pre;
  }
  function opId(method, path) { return "op-" + method + "-" + path.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, ""); }
  function tryForm(method, path, op, id) {
    var params = op.parameters || [];
    var form = el("form", { className: "try", "aria-label": "Try " + method.toUpperCase() + " " + path });
    var inputs = [];
    params.forEach(function (p) {
      if (p.in !== "path" && p.in !== "query") return;
      var s = resolve(p.schema);
      var inputId = id + "-" + p.in + "-" + p.name;
      var input;
      if (s.enum) {
        input = el("select", { id: inputId, name: p.name }, [el("option", { value: "", text: p.required ? "(choose)" : "(default)" })]
          .concat(s.enum.map(function (v) { return el("option", { value: String(v), text: String(v) }); })));
      } else {
        var numeric = s.type === "integer" || s.type === "number";
        input = el("input", { id: inputId, name: p.name, type: "text", inputmode: numeric ? "numeric" : null, autocomplete: "off",
          placeholder: s.example !== undefined ? String(s.example) : s.default !== undefined ? String(s.default) : "" });
      }
      if (p.required) input.required = true;
      inputs.push({ param: p, input: input });
      form.append(el("label", { for: inputId }, [p.name, p.required ? el("span", { className: "req", "aria-hidden": "true", text: "*" }) : null]), input);
    });
    var body = null;
    var content = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
    if (content) {
      body = el("textarea", { id: id + "-body", spellcheck: "false" });
      body.value = JSON.stringify(exampleFor(content.schema || {}), null, 2);
      form.append(el("label", { for: id + "-body", text: "JSON body" }), body);
    }
    var button = el("button", { type: "submit", text: "Send request" });
    form.append(el("span"), button);
    var result = el("div", { className: "result", hidden: true, "aria-live": "polite" });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var url = path;
      var query = new URLSearchParams();
      inputs.forEach(function (it) {
        var v = it.input.value.trim();
        if (it.param.in === "path") url = url.replace("{" + it.param.name + "}", encodeURIComponent(v));
        else if (v !== "") query.append(it.param.name, v);
      });
      var qs = query.toString();
      if (qs) url += "?" + qs;
      var headers = { Accept: "application/json" };
      var token = sessionStorage.getItem(TOKEN_KEY);
      if (token) headers.Authorization = "Bearer " + token;
      var init = { method: method.toUpperCase(), headers: headers };
      if (body) {
        try { JSON.parse(body.value); } catch (e) {
          result.hidden = false; result.replaceChildren(el("p", { className: "error", text: "The body is not valid JSON: " + e.message })); return;
        }
        headers["Content-Type"] = "application/json"; init.body = body.value;
      }
      button.disabled = true;
      var started = performance.now();
      fetch(url, init).then(function (res) {
        return res.text().then(function (text) { show(res, text, Math.round(performance.now() - started)); });
      }).catch(function (e) {
        result.hidden = false; result.replaceChildren(el("p", { className: "error", text: "Request failed: " + e.message }));
      }).finally(function () { button.disabled = false; });
      function show(res, text, ms) {
        var meta = el("dl", { className: "meta" });
        function row(k, v) { if (v !== null && v !== undefined && v !== "") meta.append(el("dt", { text: k }), el("dd", { text: v })); }
        row("Request", init.method + " " + url);
        var cls = "status s" + String(res.status).charAt(0);
        meta.append(el("dt", { text: "Status" }), el("dd", null, [el("span", { className: cls, "data-testid": "status", text: String(res.status) }), res.statusText, " \u00b7 " + ms + " ms"]));
        ["X-Request-Id", "ETag", "Cache-Control", "Content-Type"].forEach(function (h) { row(h, res.headers.get(h)); });
        var view;
        try { view = text ? jsonView(JSON.parse(text)) : el("p", { className: "cons", text: "(empty body)" }); }
        catch (e) { view = el("pre", { tabindex: "0", text: text.length > 20000 ? text.slice(0, 20000) + "\n..." : text }); }
        result.hidden = false;
        result.replaceChildren(el("h3", { text: "Response" }), meta, view);
      }
    });
    return el("div", null, [form, result]);
  }
  function operation(method, path, op) {
    var id = opId(method, path);
    var parts = [];
    if (op.description) parts.push(prose(op.description));
    var params = op.parameters || [];
    if (params.length) {
      parts.push(el("h3", { text: "Parameters" }), el("table", null, [
        el("thead", null, [el("tr", null, ["Name", "In", "Type", "Constraints and description"].map(function (h) { return el("th", { scope: "col", text: h }); }))]),
        el("tbody", null, params.map(function (p) {
          var s = resolve(p.schema);
          return el("tr", null, [el("td", null, [el("code", { text: p.name }), p.required ? el("span", { className: "req", text: "required" }) : null]),
            el("td", { text: p.in }), el("td", null, [el("span", { className: "type", text: typeLabel(p.schema) })]),
            el("td", null, [constraints(s), (p.description || s.description) ? prose(p.description || s.description, "div", "desc") : null])]);
        }))]));
    }
    var rb = op.requestBody && op.requestBody.content;
    if (rb) {
      parts.push(el("h3", { text: "Request body" }));
      Object.keys(rb).forEach(function (type) { parts.push(el("div", { className: "cons", text: type + (op.requestBody.required ? " (required)" : "") }), schemaBlock(rb[type].schema || {})); });
    }
    parts.push(el("h3", { text: "Responses" }));
    Object.keys(op.responses || {}).forEach(function (status) {
      var r = op.responses[status];
      var content = r.content || {};
      var head = el("summary", null, [el("span", { className: "status s" + status.charAt(0), text: status }), r.description || ""]);
      var inner = Object.keys(content).map(function (type) {
        return el("div", null, [el("div", { className: "cons", text: type }), content[type].schema ? schemaBlock(content[type].schema) : null]);
      });
      parts.push(el("details", { className: "resp" }, [head].concat(inner.length ? inner : [el("div", { className: "cons", text: "No body." })])));
    });
    parts.push(el("h3", { text: "Try it" }), tryForm(method, path, op, id));
    return el("details", { className: "op", id: id }, [
      el("summary", null, [el("span", { className: "method m-" + method, text: method }), el("span", { className: "path", text: path }),
        el("span", { className: "summary", text: op.summary || "" })]),
      el("div", { className: "body" }, parts)]);
  }
  function render() {
    document.title = spec.info.title + " \u00b7 API docs";
    document.getElementById("title").replaceChildren(spec.info.title, el("small", { text: "v" + spec.info.version + " \u00b7 OpenAPI " + spec.openapi }));
    var groups = {}, order = [];
    var methods = ["get", "post", "put", "patch", "delete"];
    Object.keys(spec.paths).forEach(function (path) {
      methods.forEach(function (m) {
        var op = spec.paths[path][m];
        if (!op) return;
        (op.tags && op.tags.length ? op.tags : ["Other"]).forEach(function (tag) {
          if (!groups[tag]) { groups[tag] = []; order.push(tag); }
          groups[tag].push([m, path, op]);
        });
      });
    });
    var nav = document.getElementById("nav"), main = document.getElementById("ops");
    nav.replaceChildren(); main.replaceChildren();
    if (spec.info.description) main.append(prose(spec.info.description));
    order.forEach(function (tag) {
      var links = el("ul");
      nav.append(el("h2", { text: tag }), links);
      var section = el("section", { "aria-label": tag }, [el("h2", { text: tag })]);
      groups[tag].forEach(function (o) {
        links.append(el("li", null, [el("a", { href: "#" + opId(o[0], o[1]) }, [el("span", { className: "t-" + o[0], text: o[0].toUpperCase() }), el("span", { className: "np", text: o[1] })])]));
        section.append(operation(o[0], o[1], o[2]));
      });
      main.append(section);
    });
    openFromHash();
  }
  function openFromHash() {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") { target.open = true; target.scrollIntoView(); }
  }
  window.addEventListener("hashchange", openFromHash);
  document.getElementById("auth").addEventListener("submit", function (event) { event.preventDefault(); });
  var tokenInput = document.getElementById("token");
  tokenInput.value = sessionStorage.getItem(TOKEN_KEY) || "";
  tokenInput.addEventListener("input", function () {
    var v = tokenInput.value.trim();
    if (v) sessionStorage.setItem(TOKEN_KEY, v); else sessionStorage.removeItem(TOKEN_KEY);
  });
  fetch("openapi.json", { headers: { Accept: "application/json" } }).then(function (res) {
    if (!res.ok) throw new Error("GET /openapi.json answered " + res.status);
    return res.json();
  }).then(function (json) { spec = json; render(); document.body.setAttribute("data-ready", "true"); }).catch(function (e) {
    document.getElementById("ops").replaceChildren(el("p", { className: "error", role: "alert", text: "Could not load the API description: " + e.message }));
  });
})();
`;

export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API docs</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header>
<h1 id="title">API docs</h1>
<form class="auth" id="auth"><label for="token">Bearer token</label>
<input id="token" type="password" autocomplete="off" placeholder="optional, this tab only"></form>
</header>
<div class="layout">
<nav aria-label="Operations" id="nav"></nav>
<main id="ops"><p class="intro">Loading the API description...</p></main>
</div>
<script>${SCRIPT}</script>
</body>
</html>
`;

async function sha256Base64(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  let binary = "";
  for (const byte of new Uint8Array(digest)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

let policy: Promise<string> | undefined;

/**
 * The page's Content-Security-Policy: only this exact script and style may run, and requests go to this origin
 * only. The hashes are computed once per process or isolate, on first request (Web Crypto digests are async).
 */
export function docsContentSecurityPolicy(): Promise<string> {
  policy ??= Promise.all([sha256Base64(SCRIPT), sha256Base64(STYLE)]).then(([script, style]) =>
    [
      "default-src 'self'",
      `script-src 'sha256-${script}'`,
      `style-src 'sha256-${style}'`,
      "img-src 'self' data:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join("; "),
  );
  return policy;
}
