// TRD3.0-boten: what Gradio's page lacks for screen readers (WCAG 2.1 AA) and for a page
// in three languages. Gradio runs this function expression once the page has loaded (the
// `js` of the Blocks); app.py puts the words of bot/data/ui_words.toml in WORDS.
// - #svar-status is the one live region for answers: each is read once, in full.
// - The chat's own live regions (raw HTML, English) are silenced; each message gets a
//   label ("Ditt spørsmål", "Fra TRD3.0-boten") and a lang in its own language, as do the
//   thumbs under an answer, instead of "bot's message: <p>…".
// - The page's language (the footer's data-trd-ui, set by the choice in the header) is
//   the <html lang> of the chat's own page and the address's ?lang=; a host page that
//   shows the chat as a web component keeps its own <html lang>, and the chat's links to
//   the service's pages are resolved against the chat's address, not the host page's.
// - Each new answer is shown from its start (with its question above it), not scrolled
//   to its end.
// - Staff search says how many hits it found ("10 treff") in a live region of its own.
// - Gradio's English notices (connection lost, queue full) are shown in bokmål.
// - As a web component in a page with its own <main>, Gradio's <main> is a region.
// Gradio re-renders as answers come, so a MutationObserver keeps the fixes in place.
() => {
  const WORDS = __TRD_WORDS__;
  const NOTICES = {
    "Error": "Feil",
    "Warning": "Advarsel",
    "Info": "Informasjon",
    "Success": "Ferdig",
    "Connection to the server was lost. Attempting reconnection...":
      "Forbindelsen med serveren ble brutt. Prøver å koble til igjen …",
    "Connection errored out.": "Forbindelsen feilet. Prøv igjen om litt.",
    "Queue is full! Please try again.": "Det er mange spørsmål i kø nå. Prøv igjen om litt.",
    "Lost connection due to leaving page. Rejoining queue...":
      "Forbindelsen ble brutt da siden var i bakgrunnen. Stiller deg i kø igjen …",
  };
  const words = (lang) => WORDS[lang] || WORDS.nb;
  // Gradio's own labels of the thumbs (its bokmål or English), and ours in every language.
  const THUMBS = { like: new Set(["Like", "Liker"]), dislike: new Set(["Dislike", "Liker ikke"]) };
  for (const w of Object.values(WORDS)) {
    THUMBS.like.add(w.like);
    THUMBS.dislike.add(w.dislike);
  }
  const announced = new WeakSet();
  const shownRows = new WeakMap(); // per chat log: how many messages it showed last

  const set = (el, name, value) => {
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  };
  const translate = (el) => {
    for (const node of el.childNodes) {
      const text = node.nodeType === Node.TEXT_NODE ? node.data.trim() : "";
      if (text && NOTICES[text]) node.data = node.data.replace(text, NOTICES[text]);
    }
  };

  // The page's language, as the footer says it (the search view has none: bokmål).
  const pageLanguage = (root) => {
    const marked = root.querySelector("[data-trd-ui]");
    return (marked && marked.getAttribute("data-trd-ui")) || "nb";
  };

  // The language the chat's own address asks for (?lang=nn), chosen once as a visitor
  // would choose it in the header.
  const asked = new URLSearchParams(window.location.search).get("lang");
  let askedDone = !asked || !WORDS[asked];
  const chooseAsked = (root) => {
    if (askedDone) return;
    const input = root.querySelector(`#sprak input[value='${asked}']`);
    if (!input) return;
    askedDone = true;
    if (pageLanguage(root) === asked) return;
    if (!input.checked) {
      input.click();
      return;
    }
    // Already checked (a browser restores a form on reload) but not chosen yet: the
    // events a click would send.
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  };

  const setPageLanguage = (container, root, lang) => {
    set(container, "lang", lang);
    const app = container.closest("gradio-app");
    const ownPage = !app || app.getAttribute("control_page_title") === "true";
    if (ownPage) {
      chooseAsked(root);
      if (!askedDone) return; // not yet: the address's language is about to be chosen
      if (document.documentElement.lang !== lang) document.documentElement.lang = lang;
      const address = new URL(window.location.href);
      const inAddress = address.searchParams.get("lang");
      if (inAddress !== lang && (inAddress !== null || lang !== "nb")) {
        address.searchParams.set("lang", lang);
        window.history.replaceState(window.history.state, "", address.href);
      }
      return;
    }
    // A web component: the links to the service's pages are relative to the chat's own
    // address (its src), not to the host page.
    const src = app.getAttribute("src");
    if (!src) return;
    const base = new URL(src.endsWith("/") ? src : `${src}/`, window.location.href);
    for (const link of root.querySelectorAll("a.trd-side-lenke")) {
      if (!link.hasAttribute("data-trd-href")) {
        link.setAttribute("data-trd-href", link.getAttribute("href"));
      }
      const href = new URL(link.getAttribute("data-trd-href"), base).href;
      if (link.href !== href) link.href = href;
    }
  };

  // Each message: its label and lang in the language of its own text; the thumbs under
  // an answer in the answer's language.
  const labelMessages = (root, lang) => {
    for (const [who, key] of [["user", "asked"], ["bot", "from_bot"]]) {
      for (const msg of root.querySelectorAll(`#samtale [data-testid='${who}']`)) {
        const marked = msg.querySelector("[lang]");
        const own = (marked && marked.getAttribute("lang")) || lang;
        set(msg, "role", "group");
        set(msg, "lang", own);
        set(msg, "aria-label", words(own)[key]);
      }
    }
    for (const buttons of root.querySelectorAll("#samtale .message-buttons")) {
      const row = buttons.previousElementSibling;
      const marked = row && row.querySelector("[data-testid='bot'] [lang]");
      const own = (marked && marked.getAttribute("lang")) || lang;
      set(buttons, "lang", own);
      for (const button of buttons.querySelectorAll("button")) {
        const label = button.getAttribute("aria-label") || "";
        const kind = THUMBS.dislike.has(label) ? "dislike" : THUMBS.like.has(label) ? "like" : "";
        if (!kind) continue;
        set(button, "aria-label", words(own)[kind]);
        set(button, "title", words(own)[kind]);
      }
    }
  };

  // A new message: the chat scrolls to the latest question, so the answer under it is
  // read from its start (Gradio's autoscroll, off in app.py, would show its end).
  const showLatest = (root) => {
    for (const log of root.querySelectorAll("#samtale [role='log']")) {
      const rows = log.querySelectorAll(".message-row");
      if (shownRows.get(log) === rows.length) continue;
      shownRows.set(log, rows.length);
      const asked = [...log.querySelectorAll(".message-row.user-row")].pop();
      if (!asked) continue;
      const scroll = () => {
        const offset = asked.getBoundingClientRect().top - log.getBoundingClientRect().top;
        log.scrollTop += offset - 36; // below the clear button over the chat
      };
      // Once now, and again when Gradio has laid the new message out (it moves it).
      requestAnimationFrame(scroll);
      setTimeout(scroll, 200);
    }
  };

  const fix = (root, container) => {
    const lang = pageLanguage(root);
    setPageLanguage(container, root, lang);
    for (const status of root.querySelectorAll("#svar-status")) {
      set(status, "role", "status");
      set(status, "aria-live", "polite");
      set(status, "aria-atomic", "true");
    }
    // The chat log would read every new message as raw HTML: #svar-status reads it.
    // It scrolls, so it takes focus: the arrow keys then scroll it (WCAG 2.1.1).
    for (const log of root.querySelectorAll("#samtale [role='log']")) {
      set(log, "aria-live", "off");
      set(log, "aria-label", words(lang).conversation);
      set(log, "tabindex", "0");
    }
    labelMessages(root, lang);
    showLatest(root);
    // An example just used and then hidden (the embedded view hides them once asked):
    // the focus goes on to the question box rather than being lost.
    const active = document.activeElement;
    if (active && root.contains(active) && active.closest("#eksempler") && !active.offsetParent) {
      const box = root.querySelector("#sporsmal textarea");
      if (box) box.focus();
    }
    for (const clear of root.querySelectorAll("#samtale .top-panel button")) {
      set(clear, "aria-label", words(lang).clear);
      set(clear, "title", words(lang).clear);
    }
    // The "Loading content" bubble: Gradio's own status already says "Laster".
    for (const pending of root.querySelectorAll("#samtale .pending[role='status']")) {
      set(pending, "aria-live", "off");
      set(pending, "aria-label", words(lang).waiting);
      for (const sr of pending.querySelectorAll(".sr-only")) {
        if (sr.textContent !== words(lang).waiting) sr.textContent = words(lang).waiting;
      }
    }
    // The language choice: a group named by its label, each language marked as itself.
    for (const choice of root.querySelectorAll("#sprak")) {
      const label = choice.querySelector("[data-testid='block-info']");
      if (label) {
        set(label, "id", "sprak-tittel");
        set(choice, "aria-labelledby", "sprak-tittel");
      }
      for (const option of choice.querySelectorAll("label")) {
        const input = option.querySelector("input");
        if (input && input.value) set(option, "lang", input.value);
      }
    }
    // As a web component inside a host page's own <main>, Gradio's <main> would be a
    // second main landmark: it becomes a named region instead.
    for (const main of root.querySelectorAll("main")) {
      if (main.parentElement && main.parentElement.closest("main, [role='main']")) {
        set(main, "role", "region");
        set(main, "aria-label", "TRD3.0-boten");
      }
    }
    // Staff search: the number of hits, or "no hits", as a status message.
    for (const results of root.querySelectorAll("#sok-resultater")) {
      let live = results.querySelector(":scope > .trd-sok-status");
      if (!live) {
        live = document.createElement("p");
        live.className = "trd-skjult trd-sok-status";
        live.setAttribute("role", "status");
        live.setAttribute("aria-live", "polite");
        results.appendChild(live);
      }
      const count = results.querySelector(".trd-sok-antall, .trd-sok-tom");
      if (count && !announced.has(count)) {
        announced.add(count);
        live.textContent = "";
        setTimeout(() => { live.textContent = count.textContent; }, 100);
      }
    }
    for (const toast of root.querySelectorAll("[data-testid='toast-body']")) {
      for (const el of toast.querySelectorAll(".toast-title, [data-testid='toast-text']")) {
        translate(el);
      }
      for (const close of toast.querySelectorAll("[data-testid='toast-close']")) {
        set(close, "aria-label", "Lukk");
      }
    }
  };

  for (const container of document.querySelectorAll(".gradio-container")) {
    fix(container, container);
    new MutationObserver(() => fix(container, container)).observe(container, {
      childList: true,
      subtree: true,
      characterData: true,
      attributes: true,
      attributeFilter: ["aria-label", "aria-live", "role", "tabindex", "lang", "title"],
    });
  }
}
