/*
 * Small helpers of the help site, no dependencies:
 * - the announcement banner disappears after its last day, also on a page built earlier;
 * - a search that finds nothing says so and shows the way to support;
 * - an archived newsletter's frame grows to the height of its email (no inline handler: the
 *   site's Content-Security-Policy allows no script but the site's own files).
 */
(function () {
  "use strict"

  var banner = document.querySelector("[data-hilfe-bis]")
  if (banner) {
    var until = new Date(banner.getAttribute("data-hilfe-bis") + "T23:59:59")
    if (new Date() > until) {
      var container = banner.closest("[data-md-component=announce]")
      ;(container || banner).hidden = true
    }
  }

  document.querySelectorAll("iframe.newsletter-email").forEach(function (frame) {
    function fit() {
      var email = frame.contentDocument
      if (email && email.documentElement && email.URL !== "about:blank") {
        frame.style.height = email.documentElement.scrollHeight + 4 + "px"
      }
    }
    frame.addEventListener("load", fit)
    if (frame.contentDocument && frame.contentDocument.readyState === "complete") fit()
  })

  var result = document.querySelector(".md-search-result")
  var template = document.getElementById("hilfe-nichts-gefunden")
  var input = document.querySelector(".md-search__input")
  if (!result || !template || !input) return
  var meta = result.querySelector(".md-search-result__meta")
  var list = result.querySelector(".md-search-result__list")

  function update() {
    var shown = result.querySelector(".hilfe-nichts-gefunden")
    var empty = input.value.trim() !== "" && list.children.length === 0 &&
      !/initiali/i.test(meta.textContent)
    if (empty && !shown) {
      meta.after(template.content.cloneNode(true))
    } else if (!empty && shown) {
      shown.remove()
    }
  }
  new MutationObserver(update).observe(result, { childList: true, subtree: true, characterData: true })
  input.addEventListener("input", update)
})()
