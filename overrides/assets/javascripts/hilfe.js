/*
 * Small helpers of the help site, no dependencies:
 * - the announcement banner disappears after its last day, also on a page built earlier;
 * - tables that scroll sideways can be scrolled by keyboard: their scroll wrapper is a named,
 *   focusable region;
 * - the search field on the start page hands what is typed to the site search;
 * - Escape in the search results returns focus to the search field;
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

  // Material wraps tables for sideways scrolling; without focus a keyboard cannot scroll them.
  function scrollableTables() {
    var wrappers = document.querySelectorAll(".md-typeset__scrollwrap")
    for (var i = 0; i < wrappers.length; i++) {
      var wrapper = wrappers[i]
      if (wrapper.hasAttribute("tabindex")) continue
      // named by number and column heads: each region's name is unique on the page
      var heads = Array.prototype.map.call(wrapper.querySelectorAll("th"), function (th) {
        return th.textContent.trim()
      })
      wrapper.setAttribute("tabindex", "0")
      wrapper.setAttribute("role", "region")
      wrapper.setAttribute(
        "aria-label",
        "Tabelle " + (i + 1) + (heads.length ? " (" + heads.join(", ") + ")" : "") +
          ", seitlich scrollbar"
      )
    }
  }
  scrollableTables()
  var content = document.querySelector(".md-content")
  if (content) new MutationObserver(scrollableTables).observe(content, { childList: true, subtree: true })

  var toggle = document.querySelector("[data-md-toggle=search]")
  var header = document.querySelector(".md-search__input")

  // The start page's search field: typing there continues in the site search.
  var start = document.getElementById("hilfe-startsuche-feld")
  if (start && toggle && header) {
    start.form.addEventListener("submit", function (event) { event.preventDefault() })
    start.addEventListener("input", function () {
      var text = start.value
      start.value = ""
      toggle.checked = true
      toggle.dispatchEvent(new Event("change"))
      header.focus()
      header.value = text
      header.dispatchEvent(new Event("input", { bubbles: true }))
      header.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }))
    })
  }

  // Escape in the result list goes back to the search field (a second one closes the search).
  var output = document.querySelector(".md-search__output")
  if (output && header) {
    output.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return
      event.preventDefault()
      event.stopPropagation()
      header.focus()
    }, true)
  }

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
