// SHAPE dashboard: refreshes the page's <main> in place every 15 s (the server answers
// `X-Shape-Fragment: 1` with that part only). No inline script anywhere: the CSP forbids it.
"use strict";
(function () {
  const every = 15000;
  const stamp = () => {
    const el = document.getElementById("updated");
    if (el) el.textContent = "updated " + new Date().toLocaleTimeString();
  };
  async function refresh() {
    try {
      const answer = await fetch(window.location.href, {
        headers: { "X-Shape-Fragment": "1" },
        credentials: "same-origin",
      });
      if (answer.ok) {
        const main = document.getElementById("content");
        // The server rendered this HTML and escaped every value in it.
        if (main) main.innerHTML = await answer.text();
        stamp();
      }
    } catch (e) {
      // Offline for a moment: try again at the next tick.
    }
  }
  stamp();
  window.setInterval(refresh, every);
})();
