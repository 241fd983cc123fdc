// newsflow's live page: the newest articles from /v1/articles, kept current
// through the server-sent events of /v1/stream, filtered by site and language.
// Article text is always set with textContent: nothing from a page is parsed as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { cursor: "", lastId: "", stream: null, ids: new Set(), languages: new Set(), generation: 0 };

function filters() {
  const p = new URLSearchParams();
  for (const name of ["site", "language", "q"]) {
    const v = $(name).value.trim();
    if (v) p.set(name, v);
  }
  if ($("copies").checked) p.set("include_duplicates", "true");
  return p;
}

async function getJSON(path) {
  const r = await fetch(path, { headers: { Accept: "application/json" } });
  const body = await r.json();
  if (!r.ok) throw new Error(body.message || r.statusText);
  return { body, headers: r.headers };
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function when(a) {
  const t = a.published_at || a.parsed_at;
  return t ? new Date(t).toLocaleString() : "";
}

function item(a, dupOf, fresh) {
  const li = el("li", null, "article" + (fresh ? " new" : ""));
  li.dataset.id = a.id;
  const link = el("a", a.title || a.url);
  link.href = "#/article/" + a.id;
  li.append(link);
  if (dupOf) li.append(el("span", "copy", "badge"));
  const meta = [a.site_name || a.host, when(a), a.language, (a.authors || []).join(", ")].filter(Boolean);
  li.append(el("div", meta.join(" · "), "meta"));
  if (fresh) setTimeout(() => li.classList.remove("new"), 4000);
  return li;
}

function noteLanguage(a) {
  if (!a.language) return;
  const lang = a.language.toLowerCase().split(/[-_]/)[0];
  if (state.languages.has(lang)) return;
  state.languages.add(lang);
  const sel = $("language");
  if (![...sel.options].some((o) => o.value === lang)) sel.append(new Option(lang, lang));
}

function showEmpty() {
  $("empty").hidden = $("articles").children.length > 0;
}

// loadChoices fills the site and language menus with what the store holds.
async function loadChoices() {
  try {
    const [{ body: sites }, { body: langs }] = await Promise.all([getJSON("/v1/sites"), getJSON("/v1/languages")]);
    const add = (sel, value, label) => {
      const old = [...sel.options].find((o) => o.value === value);
      if (old) old.textContent = label;
      else sel.append(new Option(label, value));
    };
    for (const s of sites.sites) add($("site"), s.site, `${s.host || s.site} (${s.articles})`);
    for (const l of langs.languages) {
      state.languages.add(l.language);
      add($("language"), l.language, `${l.language} (${l.articles})`);
    }
  } catch (e) {
    showError(e);
  }
}

function showError(e) {
  $("error").textContent = e ? String(e.message || e) : "";
  $("error").hidden = !e;
}

async function loadPage(gen) {
  const p = filters();
  p.set("limit", "30");
  p.set("view", "summary"); // the reader fetches the full article
  if (state.cursor) p.set("cursor", state.cursor);
  try {
    const { body } = await getJSON("/v1/articles?" + p);
    if (gen !== state.generation) return;
    const dups = body.duplicate_of || {};
    for (const a of body.articles) {
      noteLanguage(a);
      if (state.ids.has(a.id)) continue;
      state.ids.add(a.id);
      $("articles").append(item(a, dups[a.id], false));
    }
    state.cursor = body.next_cursor || "";
    $("more").hidden = !state.cursor;
    showError(null);
  } catch (e) {
    showError(e);
  }
  showEmpty();
}

// connect opens the live stream first and lists the stored articles once it
// is open, so an article published in between is not missed (ids dedupe).
function connect(gen, relist = true) {
  if (state.stream) state.stream.close();
  const p = filters();
  if (state.lastId) p.set("last_event_id", state.lastId);
  const es = new EventSource("/v1/stream?" + p);
  state.stream = es;
  let listed = !relist;
  const list = () => {
    if (listed) return;
    listed = true;
    loadPage(gen);
  };
  setTimeout(list, 3000); // a stream that cannot open must not hide the list
  es.onopen = () => {
    $("status").textContent = "live";
    $("status").className = "status live";
    list();
  };
  es.onerror = () => {
    // EventSource reconnects by itself, sending Last-Event-ID: nothing is
    // missed. After an error status (503) it gives up; retry here, from
    // the last event seen.
    $("status").textContent = "reconnecting…";
    $("status").className = "status down";
    if (es.readyState === EventSource.CLOSED) {
      setTimeout(() => {
        if (state.stream === es && gen === state.generation) connect(gen, false);
      }, 5000);
    }
  };
  // The store's position, also past articles the filters leave out: a
  // manual reconnect (below) resumes from it.
  es.addEventListener("position", (ev) => {
    if (gen === state.generation) state.lastId = ev.lastEventId;
  });
  es.addEventListener("article", (ev) => {
    if (gen !== state.generation) return;
    state.lastId = ev.lastEventId;
    const a = JSON.parse(ev.data);
    noteLanguage(a);
    const old = document.querySelector(`#articles li[data-id="${CSS.escape(a.id)}"]`);
    const li = item(a, null, true);
    if (old) old.replaceWith(li); // a newer version of an article on the page
    else $("articles").prepend(li);
    state.ids.add(a.id);
    showEmpty();
    if (location.hash === "#/article/" + a.id) openArticle(a.id);
  });
}

function restart() {
  state.generation++;
  state.cursor = "";
  state.lastId = "";
  state.ids.clear();
  $("articles").replaceChildren();
  const p = filters();
  history.replaceState(null, "", (p.toString() ? "?" + p : location.pathname) + location.hash);
  connect(state.generation);
}

function metaRow(dl, name, value, href) {
  if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) return;
  dl.append(el("dt", name));
  const dd = el("dd");
  if (href) {
    const a = el("a", value);
    a.href = href;
    a.rel = "noopener noreferrer";
    a.target = "_blank";
    dd.append(a);
  } else {
    dd.textContent = Array.isArray(value) ? value.join(", ") : String(value);
  }
  dl.append(dd);
}

function safeURL(u) {
  try {
    const p = new URL(u);
    return p.protocol === "https:" || p.protocol === "http:" ? p.href : "";
  } catch {
    return "";
  }
}

async function openArticle(id) {
  document.querySelectorAll("#articles li.selected").forEach((li) => li.classList.remove("selected"));
  document.querySelector(`#articles li[data-id="${CSS.escape(id)}"]`)?.classList.add("selected");
  try {
    const { body: a, headers } = await getJSON("/v1/articles/" + encodeURIComponent(id));
    $("r-title").textContent = a.title || a.url;
    const dup = headers.get("Newsflow-Duplicate-Of");
    $("r-dup").hidden = !dup;
    $("r-dup").replaceChildren();
    if (dup) {
      const link = el("a", "the earlier copy");
      link.href = "#/article/" + dup;
      $("r-dup").append("A copy of ", link, " published on another site.");
    }
    const dl = $("r-meta");
    dl.replaceChildren();
    metaRow(dl, "Source", a.site_name || a.host);
    metaRow(dl, "URL", a.canonical_url || a.url, safeURL(a.canonical_url || a.url));
    metaRow(dl, "Authors", a.authors);
    metaRow(dl, "Published", a.published_at && new Date(a.published_at).toLocaleString());
    metaRow(dl, "Modified", a.modified_at && new Date(a.modified_at).toLocaleString());
    metaRow(dl, "Language", a.language);
    metaRow(dl, "Section", a.section);
    metaRow(dl, "Tags", a.tags);
    metaRow(dl, "Words", a.word_count ? `${a.word_count} (${Math.max(1, Math.round(a.reading_time_s / 60))} min read)` : "");
    metaRow(dl, "Paywalled", a.paywalled === true ? "yes" : "");
    metaRow(dl, "Extraction", a.extraction && `${a.extraction.method}, confidence ${a.extraction.confidence}`);
    metaRow(dl, "Parsed", a.parsed_at && new Date(a.parsed_at).toLocaleString());
    const img = a.lead_image && safeURL(a.lead_image.url);
    $("r-figure").hidden = !img;
    if (img) {
      $("r-image").src = img;
      $("r-caption").textContent = [a.lead_image.caption, a.lead_image.credit].filter(Boolean).join(" — ");
    }
    const body = $("r-body");
    body.replaceChildren();
    for (const para of (a.body_text || "").split(/\n\s*\n/)) {
      if (para.trim()) body.append(el("p", para.trim()));
    }
    $("reader").hidden = false;
    showError(null);
  } catch (e) {
    showError(e);
  }
}

function route() {
  const m = location.hash.match(/^#\/article\/([0-9a-f]{32})$/);
  if (m) openArticle(m[1]);
  else $("reader").hidden = true;
}

function init() {
  const params = new URLSearchParams(location.search);
  $("copies").checked = params.get("include_duplicates") === "true";
  for (const name of ["site", "language", "q"]) {
    const v = params.get(name);
    if (!v) continue;
    const e = $(name);
    if (e.tagName === "SELECT" && ![...e.options].some((o) => o.value === v)) e.append(new Option(v, v));
    e.value = v;
  }
  $("site").addEventListener("change", restart);
  $("language").addEventListener("change", restart);
  $("copies").addEventListener("change", restart);
  let typing;
  $("q").addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(restart, 300);
  });
  $("filters").addEventListener("submit", (e) => e.preventDefault());
  $("more").addEventListener("click", () => loadPage(state.generation));
  $("close").addEventListener("click", (e) => {
    e.preventDefault();
    history.pushState(null, "", location.pathname + location.search);
    route();
  });
  window.addEventListener("hashchange", route);
  loadChoices();
  connect(state.generation);
  route();
}

init();
