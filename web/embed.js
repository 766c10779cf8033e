// TRD3.0-boten: the loader of Gradio's web component on another site (GET {root}/gradio.js).
// The server puts two constants before this text: GRADIO, the addresses of Gradio's own
// entry script and stylesheet relative to this file, and WORDS, the words of the fallback
// by language (bot/data/embed_words.toml). Then, on the page that loads it:
// - The page keeps its own <html lang>. Gradio's component sets it to the browser's
//   language; here it is set back, and Gradio is told the page's language (through
//   navigator.language, until it has chosen, then the browser's again) so that its own
//   labels are in the page's language too.
// - Gradio's stylesheet comes from the bot's address. Gradio 6 resolves it against the
//   bot's origin only (mount_css), which misses it under a sub-path such as /trd30.
// - What the page puts inside <gradio-app> (a link to the bot, say) shows until the bot
//   has answered and Gradio shows the chat (or its own "Laster …"). If the chat cannot be
//   reached, a message and a link to the bot's main view take its place. If this script
//   itself cannot load (the bot is down, or the page's site is not among the bot's
//   embedding sites), it never runs, and the page's own content simply stays.
// It loads nothing but Gradio's own files, from the bot; it stores nothing.
const here = import.meta.url;
const home = new URL("./", here).href; // the bot's main view
const html = document.documentElement;
const pageLang = html.getAttribute("lang");
const words = WORDS[(pageLang || "").toLowerCase().split("-")[0]] || WORDS.nb;

// Gradio reads navigator.language once, as its translations start, and then sets <html
// lang>: that first change says it has chosen, and the navigator is given back.
if (pageLang) {
  const own = ["language", "languages"].map((name) => [
    name,
    Object.getOwnPropertyDescriptor(navigator, name),
  ]);
  const tell = (name, value) =>
    Object.defineProperty(navigator, name, { get: () => value, configurable: true });
  tell("language", words.gradio);
  tell("languages", [words.gradio]);
  let told = true;
  new MutationObserver(() => {
    if (html.getAttribute("lang") !== pageLang) html.setAttribute("lang", pageLang);
    if (told) {
      told = false;
      for (const [name, descriptor] of own) {
        if (descriptor) Object.defineProperty(navigator, name, descriptor);
        else delete navigator[name];
      }
    }
  }).observe(html, { attributes: true, attributeFilter: ["lang"] });
}

// Gradio looks for a <link> with the address it would use before adding its own; one
// without rel fetches nothing, so it is the placeholder at that (wrong) address.
const stylesheet = new URL(GRADIO.css, here).href;
const gradioOrigin = new URL(here).origin;
const gradioAsks =
  location.origin !== gradioOrigin ? new URL(GRADIO.css, gradioOrigin).href : GRADIO.css;
const link = (attributes) => {
  const el = document.createElement("link");
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  document.head.appendChild(el);
};
link({ rel: "stylesheet", href: stylesheet });
if (gradioAsks !== stylesheet) link({ href: gradioAsks, "data-trd30": "gradio-stylesheet" });

const notice = () => {
  const p = document.createElement("p");
  p.className = "trd30-reserve";
  p.setAttribute("role", "status");
  const a = document.createElement("a");
  a.href = home;
  a.target = "_blank";
  a.rel = "noopener";
  a.textContent = words.open;
  p.append(`${words.unreachable} `, a);
  return p;
};

// The chat's own address (its src) is asked for its app id, the smallest reply a view
// gives. Once it has answered and Gradio has put its container in (which shows its own
// "Laster …" until the chat is ready), the page's own content goes; a view that does not
// answer, or not to this site, gets the notice instead.
const guarded = new WeakSet();
const failed = new Set();
const guard = (app) => {
  if (guarded.has(app)) return;
  guarded.add(app);
  const reserve = [...app.childNodes];
  let answered = null; // the probe's outcome, once it has one
  let shown = null;
  const settle = () => {
    if (answered === false && !shown && app.isConnected) {
      shown = notice();
      app.prepend(shown);
    }
    if (answered === false || (answered && app.querySelector(":scope > .gradio-container"))) {
      for (const node of reserve) node.remove();
    }
  };
  failed.add(() => {
    answered = false;
    settle();
  });
  new MutationObserver(settle).observe(app, { childList: true });
  const src = (app.getAttribute("src") || "").trim();
  let probe = null;
  try {
    probe = new URL("gradio_api/app_id", src.endsWith("/") ? src : `${src}/`);
  } catch {}
  const outcome = (ok) => {
    answered = ok;
    settle();
  };
  if (!probe) return outcome(false);
  fetch(probe, { credentials: "omit" })
    .then((reply) => outcome(reply.ok))
    .catch(() => outcome(false));
};
const guardAll = (root) => {
  if (root.localName === "gradio-app") guard(root);
  for (const app of root.querySelectorAll?.("gradio-app") || []) guard(app);
};
guardAll(document);
new MutationObserver((changes) => {
  for (const change of changes) {
    for (const node of change.addedNodes) if (node.nodeType === Node.ELEMENT_NODE) guardAll(node);
  }
}).observe(document, { childList: true, subtree: true });

try {
  await import(new URL(GRADIO.script, here).href);
} catch (err) {
  for (const fail of failed) fail(); // Gradio's own script did not load: no chat at all
  throw err;
}
