// Progressive enhancement of the statement editor: once a case reference is given, the preview
// follows the edits without pressing "Preview". It posts the form as the Preview button does
// (so the server checks the draft exactly as it would; nothing is saved) and swaps in the
// preview panel of the page that comes back. Without JavaScript the button does the same.
const form = document.querySelector("form[data-live-preview]");
const panel = document.getElementById("preview-panel");
// Long enough that typing a word is one request, not one per key: each preview reads the
// case, and reading a case is audited.
const PAUSE_MS = 800;

if (form && panel) {
  let timer = null;
  let inFlight = null;
  let lastSent = "";

  const refresh = async () => {
    const data = new FormData(form);
    if (!String(data.get("case") || "").trim()) return;
    data.set("action", "preview");
    const body = new URLSearchParams(data);
    const fingerprint = body.toString();
    if (fingerprint === lastSent) return;
    lastSent = fingerprint;
    if (inFlight) inFlight.abort();
    inFlight = new AbortController();
    panel.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(form.action || window.location.href, {
        method: "POST",
        body,
        credentials: "same-origin",
        signal: inFlight.signal,
      });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("preview-panel");
      if (fresh) {
        panel.innerHTML = fresh.innerHTML;
        // A draft with problems has no preview: say so here; the error summary appears when
        // the form is sent, where focus can move to it.
        const problem = panel.querySelector("[data-preview-problem]");
        if (problem) problem.classList.remove("govuk-!-display-none");
      }
    } catch (error) {
      if (error.name !== "AbortError") lastSent = "";
    } finally {
      panel.removeAttribute("aria-busy");
    }
  };

  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, PAUSE_MS);
  });
}
