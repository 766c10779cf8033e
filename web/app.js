// TRD3.0-boten: what Gradio's page lacks for screen readers (WCAG 2.1 AA).
// Gradio runs this function expression once the page has loaded (the `js` of the Blocks).
// - #svar-status is the one live region for answers: each is read once, in full.
// - The chat's own live regions (raw HTML, English) are silenced; messages get Norwegian
//   labels ("Ditt spørsmål", "Fra TRD3.0-boten") instead of "bot's message: <p>…".
// - Staff search says how many hits it found ("10 treff") in a live region of its own.
// - Gradio's English notices (connection lost, queue full) are shown in bokmål.
// - As a web component in a page with its own <main>, Gradio's <main> is a region.
// Gradio re-renders as answers come, so a MutationObserver keeps the fixes in place.
() => {
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
  const announced = new WeakSet();

  const set = (el, name, value) => {
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  };
  const translate = (el) => {
    for (const node of el.childNodes) {
      const text = node.nodeType === Node.TEXT_NODE ? node.data.trim() : "";
      if (text && NOTICES[text]) node.data = node.data.replace(text, NOTICES[text]);
    }
  };

  const fix = (root) => {
    for (const status of root.querySelectorAll("#svar-status")) {
      set(status, "role", "status");
      set(status, "aria-live", "polite");
      set(status, "aria-atomic", "true");
    }
    // The chat log would read every new message as raw HTML: #svar-status reads it.
    // It scrolls, so it takes focus: the arrow keys then scroll it (WCAG 2.1.1).
    for (const log of root.querySelectorAll("#samtale [role='log']")) {
      set(log, "aria-live", "off");
      set(log, "aria-label", "Samtale");
      set(log, "tabindex", "0");
    }
    for (const [who, label] of [["user", "Ditt spørsmål"], ["bot", "Fra TRD3.0-boten"]]) {
      for (const msg of root.querySelectorAll(`#samtale [data-testid='${who}']`)) {
        set(msg, "role", "group");
        set(msg, "aria-label", label);
      }
    }
    // The "Loading content" bubble: Gradio's own status already says "Laster".
    for (const pending of root.querySelectorAll("#samtale .pending[role='status']")) {
      set(pending, "aria-live", "off");
      set(pending, "aria-label", "Venter på svar");
      for (const sr of pending.querySelectorAll(".sr-only")) {
        if (sr.textContent !== "Venter på svar") sr.textContent = "Venter på svar";
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
    fix(container);
    new MutationObserver(() => fix(container)).observe(container, {
      childList: true,
      subtree: true,
      characterData: true,
      attributes: true,
      attributeFilter: ["aria-label", "aria-live", "role", "tabindex"],
    });
  }
}
