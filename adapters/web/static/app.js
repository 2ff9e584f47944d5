// The browser preview: sends each question to /api/ask and shows the
// reply as a patient would see it. Everything the bot says is inserted as
// text, never as HTML.
"use strict";

(function () {
  const log = document.getElementById("log");
  const form = document.getElementById("ask");
  const input = document.getElementById("q");
  const send = document.getElementById("send");
  const status = document.getElementById("status");

  // One conversation per browser tab, kept across reloads of the page.
  const conversation = (function () {
    let id = sessionStorage.getItem("alsbot-conversation");
    if (!id) {
      const b = new Uint8Array(16);
      crypto.getRandomValues(b);
      id = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
      sessionStorage.setItem("alsbot-conversation", id);
    }
    return id;
  })();
  const pageLang = (navigator.language || "ja").toLowerCase().startsWith("ja") ? "ja" : "en";

  const words = {
    ja: { you: "あなた", bot: "ボット", sources: "出典", reviewed: "この回答の確認:", choices: "どれについてのご質問ですか", related: "関連する質問", topics: "話題",
      silent: "（ボットは返事をしませんでした。短い間にたくさんのメッセージが届いたためです。少し待ってから送ってください。緊急のときは119番へ。）",
      phone: "電話", latest: "回答の確認", runBy: "運営" },
    en: { you: "You", bot: "Bot", sources: "Sources", reviewed: "Answer reviewed", choices: "Choose one", related: "Related questions", topics: "Topics",
      silent: "(The bot did not reply: many messages arrived in a short time. Please wait a moment before sending again. In an emergency, call 119.)",
      phone: "phone", latest: "answers reviewed", runBy: "run by" },
  };
  const t = (lang) => words[lang] || words.ja;

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // reveal scrolls the conversation to a new message: all of it when it
  // fits, else its beginning. (Not scrollIntoView, which would also move
  // where the Tab key starts from, past the skip link.)
  const scroller = document.querySelector("main");
  function reveal(node) {
    const fits = node.offsetHeight <= scroller.clientHeight;
    scroller.scrollTop = fits ? scroller.scrollHeight : Math.max(0, node.offsetTop - 8);
  }

  function speaker(name) {
    return el("span", { class: "visually-hidden" }, name + ": ");
  }

  function safeURL(u) {
    try {
      const url = new URL(u);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function showQuestion(text) {
    const m = el("div", { class: "msg user" });
    const p = el("p", { class: "text" });
    p.append(speaker(t(pageLang).you), document.createTextNode(text));
    m.append(p);
    log.append(m);
    reveal(m);
  }

  // dialable keeps the numbers an adapter may turn into tel: links.
  function dialable(calls) {
    return (calls || []).filter((c) => /^[0-9]+(-[0-9]+)*$/.test(c.number));
  }

  function callLinks(calls) {
    const nav = el("p", { class: "calls" });
    for (const c of calls) nav.append(el("a", { class: "call", href: "tel:" + c.number }, c.label + " " + c.number));
    return nav;
  }

  function showReply(r) {
    const w = t(r.lang);
    if (r.kind === "silent") {
      // The bot chose not to answer: say so, so that nobody waits.
      const note = el("p", { class: "msg note", lang: r.lang || "ja", "data-kind": "silent" }, w.silent);
      log.append(note);
      reveal(note);
      return;
    }
    const m = el("article", { class: "msg bot", lang: r.lang || "ja", "data-kind": r.kind });
    if (r.entry) m.dataset.entry = r.entry;
    if (r.urgent) {
      // An emergency or a crisis: an alert, each number one tap to dial.
      m.classList.add("urgent");
      m.setAttribute("role", "alert");
    }
    const calls = dialable(r.calls);
    if (calls.length) m.append(callLinks(calls));
    const p = el("p", { class: "text" });
    p.append(speaker(w.bot), document.createTextNode(r.text));
    m.append(p);

    const sources = r.sources || [];
    if (sources.length) {
      const sec = el("section", { class: "sources" });
      sec.append(el("h3", {}, w.sources));
      const ul = el("ul");
      for (const s of sources) {
        const li = el("li");
        const url = safeURL(s.url);
        if (url) {
          li.append(el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, s.title || url));
        } else {
          li.append(el("cite", {}, s.title || s.id)); // a document without a public address
        }
        const meta = [s.publisher, s.date].filter(Boolean).join(", ");
        if (meta) li.append(document.createTextNode(" — " + meta));
        ul.append(li);
      }
      sec.append(ul);
      if (r.reviewed) sec.append(el("p", { class: "reviewed" }, w.reviewed + " " + r.reviewed));
      m.append(sec);
    }
    if (r.notice) m.append(el("p", { class: "notice" }, r.notice));

    const sugg = r.suggestions || [];
    if (sugg.length) {
      const label = r.kind === "clarify" ? w.choices : r.kind === "answer" ? w.related : w.topics;
      const group = el("div", { class: "suggestions", role: "group", "aria-label": label });
      for (const s of sugg) {
        const b = el("button", { type: "button", class: "suggestion" }, s.label || s.question);
        if (s.entry) b.dataset.entry = s.entry;
        b.addEventListener("click", () => {
          ask({ text: s.question || s.label, entry: s.entry || "" }, s.question || s.label);
          input.focus();
        });
        group.append(b);
      }
      m.append(group);
    }
    log.append(m);
    reveal(m);
  }

  function setBusy(busy) {
    send.disabled = busy;
    log.setAttribute("aria-busy", busy ? "true" : "false");
  }

  let pending = 0;
  async function ask(body, shown) {
    showQuestion(shown);
    pending++;
    setBusy(true);
    status.textContent = "";
    const slow = setTimeout(() => { status.textContent = "考えています… Thinking…"; }, 400);
    try {
      const res = await fetch("api/ask", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(Object.assign({ lang: pageLang, conversation: conversation }, body)),
      });
      const data = await res.json();
      if (!res.ok) throw new Error(data.error || res.statusText);
      status.textContent = "";
      showReply(data);
    } catch (e) {
      status.textContent = "送信できませんでした。もう一度お試しください。 Could not send: please try again.";
    } finally {
      clearTimeout(slow);
      if (--pending === 0) setBusy(false);
    }
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    ask({ text: text }, text);
  });

  // The header: the clinic that runs the bot, its phone, and the month
  // of the latest review; the about panel opens with the full text.
  const aboutToggle = document.getElementById("about-toggle");
  const aboutPanel = document.getElementById("about");
  aboutToggle.addEventListener("click", () => {
    const open = aboutPanel.hidden;
    aboutPanel.hidden = !open;
    aboutToggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
  fetch("api/about?lang=" + pageLang)
    .then((res) => (res.ok ? res.json() : null))
    .then((r) => {
      if (!r) return;
      const w = t(r.lang);
      const c = r.clinic || {};
      if (c.name) document.getElementById("clinic").textContent = c.name;
      const facts = document.getElementById("facts");
      facts.textContent = "";
      if (c.name) facts.append(document.createTextNode(w.runBy + ": " + c.name));
      if (c.phone && /^[0-9]+(-[0-9]+)*$/.test(c.phone)) {
        facts.append(document.createTextNode(" · " + w.phone + " "), el("a", { href: "tel:" + c.phone }, c.phone));
      }
      if (c.hours) facts.append(document.createTextNode(" (" + c.hours + ")"));
      if (r.reviewed) facts.append(document.createTextNode(" · " + w.latest + ": " + r.reviewed));
      aboutPanel.textContent = "";
      aboutPanel.setAttribute("lang", r.lang);
      aboutPanel.append(el("p", { class: "text" }, r.text));
      const calls = dialable(r.calls);
      if (calls.length) aboutPanel.append(callLinks(calls));
    })
    .catch(() => {});

  // Start with the topic menu, so a first visitor sees what to ask.
  fetch("api/menu?lang=" + pageLang)
    .then((res) => (res.ok ? res.json() : null))
    .then((r) => { if (r) showReply(r); })
    .catch(() => {});
})();
