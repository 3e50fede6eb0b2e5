// The session timeout warning (docs/web.md, "Session timeout"). Progressive enhancement only:
// without it nothing pops up, and the page after an ended session says why.
//
// The server is the authority. The page starts from the seconds left when it was rendered,
// and every decision asks GET /auth/session again first, which never extends the session
// (another tab may have kept it going, or the computer may have slept). "Stay signed in" is
// POST /auth/session/extend with the session's CSRF token; nothing extends the longest life.

const STATUS_URL = "/auth/session";
const EXTEND_URL = "/auth/session/extend";
const SIGNED_OUT_URL = "/auth/signed-out";
// While the warning is open: ask again this often, so a session another tab kept going closes
// it here too (tabs that share a BroadcastChannel hear at once).
const POLL_WHILE_OPEN_MS = 20000;
// When the server cannot be reached: try again after this long, and sign out of nothing.
const RETRY_MS = 10000;
// Screen readers hear the time left when the warning opens, at each whole minute, and at these
// seconds: not every second.
const ANNOUNCE_AT_SECONDS = [30, 10];
const CHANNEL = "session-timeout";

const dialog = document.getElementById("session-timeout");
if (dialog && typeof dialog.showModal === "function" && "fetch" in window) {
  watch(dialog);
}

function watch(dialog) {
  const warning = Number(dialog.dataset.warningSeconds) || 120;
  const csrfToken = dialog.dataset.csrfToken || "";
  const durations = readDurations(dialog);
  const heading = dialog.querySelector("#session-timeout-heading");
  const seen = dialog.querySelector("[data-session-timeout-text]");
  const heard = dialog.querySelector("[data-session-timeout-status]");
  const stayButton = dialog.querySelector("[data-session-timeout-extend]");
  const continueButton = dialog.querySelector("[data-session-timeout-close]");
  const channel = "BroadcastChannel" in window ? new BroadcastChannel(CHANNEL) : null;

  let endsAt = 0; // performance.now() when the session ends, as the server last said
  let extendable = dialog.dataset.extendable !== "false";
  let dismissed = false; // "Continue" on the longest-life warning: not shown again
  let wakeTimer = 0;
  let tickTimer = 0;
  let pollTimer = 0;
  let asking = false;
  let askAgainAt = 0; // after a failed ask: not before this (performance.now())
  let lastLeft = null;
  let lastMinutes = null;
  let focusBefore = null;

  learn({
    seconds_left: Number(dialog.dataset.secondsLeft) || 0,
    extendable,
  });
  plan();

  stayButton.addEventListener("click", stay);
  continueButton.addEventListener("click", dismiss);
  dialog.addEventListener("cancel", (event) => {
    // Escape: the person is here, so it means "Stay signed in" (or "Continue").
    event.preventDefault();
    if (extendable) stay();
    else dismiss();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") check();
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) check();
  });
  if (channel) channel.addEventListener("message", () => check());

  function secondsLeft() {
    return Math.max(0, Math.ceil((endsAt - performance.now()) / 1000));
  }

  function learn(answer) {
    endsAt = performance.now() + answer.seconds_left * 1000;
    extendable = answer.extendable !== false;
  }

  // Sleeps until the warning is due (or, once dismissed, until the end), then asks the server.
  function plan() {
    clearTimeout(wakeTimer);
    const left = secondsLeft();
    if (left <= 0) {
      check();
    } else if (dismissed) {
      wakeTimer = setTimeout(check, left * 1000);
    } else if (left <= warning) {
      open();
    } else {
      wakeTimer = setTimeout(check, (left - warning) * 1000);
    }
  }

  // What the server says now: {seconds_left, extendable, ...}, or null when signed out.
  async function ask() {
    const response = await fetch(STATUS_URL, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
    });
    if (response.status === 401) return null;
    if (!response.ok) throw new Error(`session status ${response.status}`);
    return response.json();
  }

  async function check() {
    if (asking) return;
    asking = true;
    clearTimeout(wakeTimer);
    let answer;
    try {
      answer = await ask();
    } catch {
      asking = false;
      askAgainAt = performance.now() + RETRY_MS;
      wakeTimer = setTimeout(check, RETRY_MS);
      return;
    }
    asking = false;
    askAgainAt = 0;
    if (answer === null) {
      signedOut();
      return;
    }
    learn(answer);
    if (secondsLeft() > warning && dialog.open) close();
    if (dialog.open) {
      show();
    } else {
      plan();
    }
  }

  function open() {
    if (dialog.open) return;
    focusBefore = document.activeElement;
    stayButton.hidden = !extendable;
    continueButton.hidden = extendable;
    lastLeft = null;
    lastMinutes = null;
    // Filled in before it opens: read out as the dialog's description, not announced twice.
    show(true);
    dialog.hidden = false;
    dialog.showModal();
    heading.focus();
    tickTimer = setInterval(tick, 1000);
    pollTimer = setInterval(check, POLL_WHILE_OPEN_MS);
  }

  function close() {
    clearInterval(tickTimer);
    clearInterval(pollTimer);
    if (dialog.open) dialog.close();
    dialog.hidden = true;
    heard.textContent = "";
    if (focusBefore && typeof focusBefore.focus === "function") focusBefore.focus();
    focusBefore = null;
  }

  function tick() {
    show();
    // The server decides: another tab may have kept the session going.
    if (secondsLeft() <= 0 && performance.now() >= askAgainAt) check();
  }

  // The words with the time left: seen every second, heard now and then.
  function show(opening = false) {
    const left = secondsLeft();
    const template = extendable ? dialog.dataset.idleText : dialog.dataset.longestText;
    const words = template.replace("{time}", duration(left));
    seen.textContent = words;
    stayButton.hidden = !extendable;
    continueButton.hidden = extendable;
    const minutes = left >= 60 ? Math.ceil(left / 60) : null;
    const crossed =
      lastLeft !== null && ANNOUNCE_AT_SECONDS.some((at) => lastLeft > at && left <= at);
    if (opening || crossed || (minutes !== null && minutes !== lastMinutes && lastMinutes !== null)) {
      heard.textContent = words;
    }
    lastLeft = left;
    lastMinutes = minutes;
  }

  // "2 minutes", "45 seconds": the page's own words (base.html), so Welsh has its plurals and
  // mutations. Whole minutes, rounded up, from a minute on; seconds below.
  function duration(seconds) {
    const [unit, value] =
      seconds >= 60 ? ["minutes", Math.ceil(seconds / 60)] : ["seconds", Math.max(1, seconds)];
    const words = (durations[unit] || [])[value - 1];
    return words || String(value);
  }

  async function stay() {
    stayButton.disabled = true;
    try {
      const response = await fetch(EXTEND_URL, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRF-Token": csrfToken },
      });
      if (response.status === 401) {
        signedOut();
        return;
      }
      if (!response.ok) throw new Error(`extend ${response.status}`);
      learn(await response.json());
      if (channel) channel.postMessage("extended");
      close();
      plan();
    } catch {
      check(); // the warning stays while the server says the session is ending
    } finally {
      stayButton.disabled = false;
    }
  }

  function dismiss() {
    dismissed = true;
    close();
    plan();
  }

  function signedOut() {
    clearTimeout(wakeTimer);
    clearInterval(tickTimer);
    clearInterval(pollTimer);
    const here = window.location.pathname + window.location.search;
    window.location.assign(`${SIGNED_OUT_URL}?return_to=${encodeURIComponent(here)}`);
  }
}

function readDurations(dialog) {
  try {
    return JSON.parse(dialog.dataset.durations || "{}");
  } catch {
    return {};
  }
}
