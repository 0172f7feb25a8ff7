/* augur's pages work without this script; it only keeps a page current without a reload.
 * An element with data-live names a fragment URL. The page asks for the fragment (with the
 * stamp it holds; 204 means nothing changed) whenever the event stream in data-events reports
 * something, or every data-poll milliseconds when there is no stream. It stops once the
 * fragment says the run is done (data-done). */
"use strict";
(function () {
  var box = document.querySelector("[data-live]");
  if (!box || !window.fetch) {
    return;
  }
  var stamp = box.getAttribute("data-stamp") || "";
  var announce = document.querySelector("[data-announce]");
  var busy = false;
  var again = false;
  var stopped = false;
  var timer = null;
  var stream = null;

  function url() {
    var base = box.getAttribute("data-live");
    return base + (base.indexOf("?") < 0 ? "?" : "&") + "since=" + encodeURIComponent(stamp);
  }

  function stop() {
    stopped = true;
    if (timer !== null) {
      clearInterval(timer);
      timer = null;
    }
    if (stream !== null) {
      stream.close();
      stream = null;
    }
  }

  function finished() {
    if (box.querySelector("[data-done]") === null) {
      return false;
    }
    var form = document.querySelector("[data-terminate]");
    if (form) {
      form.hidden = true;
    }
    return true;
  }

  function show(html, next) {
    box.innerHTML = html;
    stamp = next || stamp;
    if (announce) {
      announce.textContent = "Updated at " + new Date().toLocaleTimeString();
    }
    if (finished()) {
      stop();
    }
  }

  function refresh() {
    if (stopped) {
      return;
    }
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    fetch(url(), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (answer) {
        if (answer.status === 200) {
          return answer.text().then(function (html) {
            show(html, answer.headers.get("X-Augur-Stamp"));
          });
        }
        if (answer.status !== 204) {
          stop(); /* logged out, no longer allowed, or deleted: a reload says which */
        }
        return null;
      })
      .catch(function () { /* the server is away for a moment: the next turn asks again */ })
      .then(function () {
        busy = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  function poll() {
    var every = parseInt(box.getAttribute("data-poll"), 10) || 2000;
    timer = setInterval(function () {
      if (!document.hidden) {
        refresh();
      }
    }, every);
  }

  if (finished()) {
    return;
  }
  var events = box.getAttribute("data-events");
  if (events && window.EventSource) {
    stream = new EventSource(events, { withCredentials: true });
    ["measurement", "phase", "run"].forEach(function (kind) {
      stream.addEventListener(kind, refresh);
    });
    stream.onerror = function () {
      if (stream !== null && stream.readyState === EventSource.CLOSED) {
        stream = null;
        poll(); /* the stream is gone for good: fall back to asking */
      }
    };
  } else {
    poll();
  }
})();
