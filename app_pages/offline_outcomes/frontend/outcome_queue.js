/*
 * The phone's own outcome queue (app_pages/offline_outcomes): a Streamlit v1 component.
 *
 * Streamlit turns its widgets off the moment its websocket closes, so a tap on the native
 * outcome buttons is impossible without a connection. This page lives in its own iframe:
 * it keeps working, keeps each tap in localStorage (one key per county, officer and day)
 * with an id fixed at the tap, and sends the queue as its value whenever it changes and
 * when the connection comes back. The server records each id once and answers with
 * acknowledgements, which remove the taps here. Every word shown comes from the render
 * arguments (the app's message catalogue): there is no interface text in this file.
 *
 * Protocol (the iframe side of Streamlit's component API, version 1): post
 * streamlit:componentReady once, receive streamlit:render {args, disabled, theme},
 * post streamlit:setComponentValue {value, dataType: "json"} and
 * streamlit:setFrameHeight {height}.
 */
"use strict";

(() => {
  // Often enough to notice a lost connection before the officer reaches the next door.
  const HEALTH_EVERY_MS = 4000;
  const HEALTH_TIMEOUT_MS = 3000;
  const REFUSED_KEPT = 20;
  const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
  // The iframe is served from <app>/component/<name>/index.html: health is <app>/_stcore/health,
  // also under a server.baseUrlPath.
  const HEALTH_URL = new URL("../../_stcore/health", window.location.href).href;

  const root = document.getElementById("root");
  const state = {
    args: null,
    disabled: false, // Streamlit's own word: true while its websocket is down
    healthOk: true,
    offline: false,
    storageOk: true,
    picked: new Map(), // lead_id -> {outcome, consent, optOut, otherLoan}: chosen, not saved yet
    lastSent: "[]",
    sync: 0,
  };

  function post(type, data) {
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type }, data), "*");
  }

  function fmt(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
  }

  function el(tag, props, children) {
    const node = document.createElement(tag);
    Object.entries(props || {}).forEach(([k, v]) => {
      if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v !== false && v !== null && v !== undefined) node.setAttribute(k, v === true ? "" : v);
    });
    (children || []).forEach((c) => c && node.appendChild(c));
    return node;
  }

  // ------------------------------------------------------------------ storage

  function part(x) {
    return encodeURIComponent(String(x));
  }

  function queuePrefix() {
    const a = state.args;
    return `countyreach/outcomes/${part(a.county_id)}/${part(a.officer_id)}/`;
  }

  function refusedKey() {
    const a = state.args;
    return `countyreach/refused/${part(a.county_id)}/${part(a.officer_id)}`;
  }

  function read(key) {
    try {
      const value = JSON.parse(window.localStorage.getItem(key) || "[]");
      return Array.isArray(value) ? value : [];
    } catch (e) {
      return [];
    }
  }

  function write(key, list) {
    try {
      if (list.length) window.localStorage.setItem(key, JSON.stringify(list));
      else window.localStorage.removeItem(key);
      state.storageOk = true;
    } catch (e) {
      state.storageOk = false; // private mode or a full disk: said on the page
    }
    return state.storageOk;
  }

  function queueKeys() {
    const prefix = queuePrefix();
    const keys = [];
    try {
      for (let i = 0; i < window.localStorage.length; i += 1) {
        const k = window.localStorage.key(i);
        if (k && k.startsWith(prefix) && DATE_RE.test(k.slice(prefix.length))) keys.push(k);
      }
    } catch (e) {
      state.storageOk = false;
    }
    return keys.sort();
  }

  /** Every tap of this officer in this county still to send, any day, oldest first. */
  function queued() {
    const out = [];
    queueKeys().forEach((k) => read(k).forEach((it) => {
      // A tap always has our own id; anything else was not written here.
      if (it && typeof it.id === "string" && UUID_RE.test(it.id)) out.push(it);
    }));
    return out.sort((a, b) => String(a.tapped_at).localeCompare(String(b.tapped_at)));
  }

  function newId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // A page served over plain HTTP is no secure context: randomUUID is missing there,
    // getRandomValues is not. Version 4 layout, as randomUUID makes it.
    const b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** Drop the taps the server answered; keep the refused ones to show why. */
  function applyAcks(acks) {
    if (!Array.isArray(acks) || !acks.length) return;
    const byId = new Map();
    acks.forEach((a) => a && typeof a.id === "string" && byId.set(a.id, a));
    const refused = read(refusedKey());
    let refusedNow = false;
    queueKeys().forEach((k) => {
      const list = read(k);
      const keep = list.filter((it) => {
        const ack = it && byId.get(it.id);
        if (ack && !ack.ok) {
          refused.push({ id: it.id, lead_id: it.lead_id, outcome: it.outcome, why: String(ack.why || "") });
          refusedNow = true;
        }
        return !ack;
      });
      if (keep.length !== list.length) write(k, keep);
    });
    if (refusedNow) write(refusedKey(), refused.slice(-REFUSED_KEPT));
  }

  /** Hand the queue to Streamlit: on a change, or (force) again when the connection returns. */
  function send(force) {
    const items = queued();
    const text = JSON.stringify(items);
    if (text === state.lastSent && !(force && items.length)) return;
    state.lastSent = text;
    state.sync += 1; // a new value even when the items are the same: Streamlit reruns on it
    post("streamlit:setComponentValue", { value: { items, sync: state.sync }, dataType: "json" });
  }

  function save(stop) {
    const a = state.args;
    const pick = state.picked.get(stop.lead_id);
    if (!pick) return;
    const key = queuePrefix() + a.plan_date;
    const loan = loanChoice(pick);
    // The last tap on a visit wins, as in the server's queue.
    const list = read(key).filter((it) => it && it.lead_id !== stop.lead_id);
    list.push({
      id: newId(), county_id: a.county_id, officer_id: a.officer_id, plan_date: a.plan_date,
      lead_id: stop.lead_id, outcome: pick.outcome, consent: pick.consent, opt_out: pick.optOut,
      other_loan_asked: loan ? Boolean(loan.asked) : false,
      other_loan_month: loan && loan.month ? String(loan.month) : null,
      tapped_at: new Date().toISOString(),
    });
    if (write(key, list)) state.picked.delete(stop.lead_id);
    draw();
    send(false);
  }

  function dismissRefused(id) {
    write(refusedKey(), read(refusedKey()).filter((r) => r && r.id !== id));
    draw();
  }

  // ------------------------------------------------------------------ connection

  function isOffline() {
    return state.disabled || !state.healthOk || navigator.onLine === false;
  }

  function connectivity() {
    if (!state.args) return; // not rendered yet: the first render looks for itself
    const offline = isOffline();
    if (offline === state.offline) return;
    state.offline = offline;
    draw();
    if (!offline) send(true);
  }

  async function probe() {
    if (document.visibilityState === "hidden") return;
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), HEALTH_TIMEOUT_MS);
    try {
      const r = await fetch(HEALTH_URL, { cache: "no-store", signal: ctl.signal });
      state.healthOk = r.ok;
    } catch (e) {
      state.healthOk = false;
    } finally {
      clearTimeout(timer);
    }
    connectivity();
  }

  /*
   * While disconnected Streamlit covers the whole page with a modal "connection error"
   * dialog, which would block the taps below: close it with its own close button (the
   * same as the officer tapping it; Streamlit keeps it closed until the next outage).
   * Only while Streamlit itself says it is disconnected, so no dialog of the app is touched.
   * If its markup ever changes this finds nothing and the officer closes it by hand.
   */
  function closeConnectionDialog() {
    if (!state.disabled) return;
    try {
      const close = window.parent.document.querySelector(
        '[data-testid="stDialog"] [role="dialog"] button[aria-label="Close"]');
      if (close) close.click();
    } catch (e) {
      // the parent is another origin here: nothing to do
    }
  }

  // ------------------------------------------------------------------ drawing

  function stopTitle(stop) {
    return `${stop.seq}. ${stop.name} · ${stop.arrive}`;
  }

  function label(code) {
    const found = (state.args.outcomes || []).find((o) => o.code === code);
    return found ? found.label : code;
  }

  function needsConsent(code) {
    const found = (state.args.outcomes || []).find((o) => o.code === code);
    return Boolean(found && found.consent);
  }

  /** Whether the owner can be asked about loans elsewhere: with consent, if they were met. */
  function asksOtherLoan(pick) {
    const found = (state.args.outcomes || []).find((o) => o.code === pick.outcome);
    return Boolean(pick.consent && found && found.other_loan && (state.args.loan_choices || []).length);
  }

  /** The answer picked of loans elsewhere ({value, label, asked, month}), null when not asked. */
  function loanChoice(pick) {
    if (!asksOtherLoan(pick)) return null;
    const choices = state.args.loan_choices || [];
    return choices.find((c) => c.value === pick.otherLoan) || choices[0];
  }

  function stopCard(stop, queuedByLead) {
    const T = state.args.texts;
    const pick = state.picked.get(stop.lead_id);
    const headId = `stop-${stop.lead_id}`;
    const waiting = queuedByLead.get(stop.lead_id);
    const buttons = (state.args.outcomes || []).map((o) => el("button", {
      type: "button", "aria-pressed": pick && pick.outcome === o.code ? "true" : "false",
      text: o.label,
      onclick: () => {
        const before = state.picked.get(stop.lead_id);
        state.picked.set(stop.lead_id, { outcome: o.code, consent: before ? before.consent : false,
          optOut: before ? before.optOut : false, otherLoan: before ? before.otherLoan : undefined });
        draw();
      },
    }));
    const children = [
      el("h3", { id: headId, text: stopTitle(stop) }),
      waiting ? el("p", { class: "queued", text: fmt(T.queued, { outcome: label(waiting.outcome) }) }) : null,
      el("div", { class: "outcomes", role: "group", "aria-label": T.outcome }, buttons),
    ];
    if (pick) {
      const saveBtn = el("button", { type: "button", class: "save", text: T.save, onclick: () => save(stop) });
      const hint = el("p", { class: "hint", text: T.needs_consent });
      // "Not asked" first: an unasked owner must not be recorded as having no loan elsewhere.
      const select = el("select", { onchange: (e) => { pick.otherLoan = e.target.value; } },
        (state.args.loan_choices || []).map((c) => el("option", { value: c.value, text: c.label })));
      const chosen = loanChoice(Object.assign({}, pick, { consent: true }));
      if (chosen) select.value = chosen.value;
      const loan = el("div", { class: "loan" }, [el("label", {}, [document.createTextNode(T.other_loan), select])]);
      const refresh = () => {
        const blocked = needsConsent(pick.outcome) && !pick.consent;
        saveBtn.disabled = blocked;
        hint.hidden = !blocked;
        loan.hidden = !asksOtherLoan(pick);
      };
      const consent = el("input", { type: "checkbox", onchange: (e) => { pick.consent = e.target.checked; refresh(); } });
      consent.checked = pick.consent;
      const optOut = el("input", { type: "checkbox", onchange: (e) => { pick.optOut = e.target.checked; } });
      optOut.checked = pick.optOut;
      children.push(el("label", {}, [consent, document.createTextNode(T.consent)]));
      children.push(el("label", {}, [optOut, document.createTextNode(T.opt_out)]));
      children.push(loan, hint, saveBtn);
      refresh();
    }
    return el("article", { class: "stop", "aria-labelledby": headId }, children);
  }

  function draw() {
    if (!state.args) return;
    const T = state.args.texts;
    const items = queued();
    const queuedByLead = new Map();
    items.forEach((it) => it.plan_date === state.args.plan_date && queuedByLead.set(it.lead_id, it));
    const status = items.length ? fmt(T.waiting, { n: items.length }) : T.none;
    const parts = [el("p", { role: "status", class: items.length ? "status waiting" : "status", text: status })];
    if (!state.storageOk) parts.push(el("p", { class: "banner", text: T.storage_off }));
    const names = new Map((state.args.stops || []).map((s) => [s.lead_id, `${s.seq}. ${s.name}`]));
    read(refusedKey()).forEach((r) => {
      if (!r || typeof r.id !== "string") return;
      const text = fmt(T.refused, { stop: names.get(r.lead_id) || r.lead_id, outcome: label(r.outcome), why: r.why });
      parts.push(el("p", { class: "refused" }, [
        el("span", { text }),
        el("button", { type: "button", text: T.dismiss, onclick: () => dismissRefused(r.id) }),
      ]));
    });
    if (state.offline) {
      parts.push(el("p", { class: "banner", text: T.banner }));
      const stops = state.args.stops || [];
      if (!stops.length) parts.push(el("p", { class: "hint", text: T.no_stops }));
      stops.forEach((stop) => parts.push(stopCard(stop, queuedByLead)));
    }
    root.replaceChildren(...parts);
    document.documentElement.lang = state.args.lang || "zh";
    resize();
  }

  function resize() {
    // The content's own height: the document's scrollHeight never drops below the frame's
    // current height, so the frame would not shrink back to one line after an outage.
    post("streamlit:setFrameHeight", { height: Math.ceil(root.getBoundingClientRect().height) });
  }

  function theme(t) {
    if (!t) return;
    const css = document.documentElement.style;
    const set = (name, value) => value && css.setProperty(name, value);
    set("--fg", t.textColor);
    set("--bg", t.backgroundColor);
    set("--bg2", t.secondaryBackgroundColor);
    set("--accent", t.primaryColor);
    set("--font", t.font);
  }

  // ------------------------------------------------------------------ wiring

  window.addEventListener("message", (event) => {
    const msg = event.data;
    if (event.source !== window.parent || !msg || msg.type !== "streamlit:render") return;
    state.args = msg.args || {};
    state.disabled = Boolean(msg.disabled);
    theme(msg.theme);
    applyAcks(state.args.acks);
    const wasOffline = state.offline;
    state.offline = isOffline();
    draw();
    // Sent when the queue changed; and again when Streamlit re-enables us (its websocket is
    // back), since a value set while it was down may never have reached the server.
    send(wasOffline && !state.offline);
  });
  window.addEventListener("online", probe);
  window.addEventListener("offline", connectivity);
  // Another tab of the same app may have sent or added taps.
  window.addEventListener("storage", () => draw());
  new ResizeObserver(resize).observe(document.body);
  setInterval(probe, HEALTH_EVERY_MS);
  setInterval(closeConnectionDialog, 1000);
  post("streamlit:componentReady", { apiVersion: 1 });
})();
