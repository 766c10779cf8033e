// TRD3.0-boten: what Gradio's page lacks for screen readers (WCAG 2.1 AA).
// Gradio runs this function expression once the page has loaded (Blocks `js=`).
// - #svar-status is the one live region: each finished answer is read once, in full.
// - The chat's own live regions (raw HTML, English labels) are silenced and relabelled.
// Gradio re-renders the chat, so the fixes are kept by a MutationObserver.
() => {
  const set = (el, name, value) => {
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  };
  const fix = (root) => {
    for (const status of root.querySelectorAll("#svar-status")) {
      set(status, "role", "status");
      set(status, "aria-live", "polite");
      set(status, "aria-atomic", "true");
    }
    // The chat log would read every new message as raw HTML: #svar-status reads it.
    for (const log of root.querySelectorAll("#samtale [role='log']")) {
      set(log, "aria-live", "off");
      set(log, "aria-label", "Samtale");
    }
    // Each message has aria-label="bot's message: <p>…" (HTML, English): its text is enough.
    for (const msg of root.querySelectorAll(
      "#samtale [data-testid='bot'][aria-label], #samtale [data-testid='user'][aria-label]",
    )) {
      msg.removeAttribute("aria-label");
    }
    // The "Loading content" bubble: Gradio's own status already says "Laster".
    for (const pending of root.querySelectorAll("#samtale .pending[role='status']")) {
      set(pending, "aria-live", "off");
      set(pending, "aria-label", "Venter på svar");
      for (const sr of pending.querySelectorAll(".sr-only")) {
        if (sr.textContent !== "Venter på svar") sr.textContent = "Venter på svar";
      }
    }
    const main = root.querySelector("main") || root.querySelector(".gradio-container");
    if (main && main.tagName !== "MAIN") set(main, "role", "main");
  };
  for (const container of document.querySelectorAll(".gradio-container")) {
    fix(container);
    new MutationObserver(() => fix(container)).observe(container, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["aria-label", "aria-live", "role"],
    });
  }
}
