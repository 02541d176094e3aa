/* Material's page helpers, as its partials/javascripts/base.html writes them inline; here as a
 * file, so that the site's Content-Security-Policy can forbid every inline script. The scope
 * (the site's base URL) comes from the script element's data-scope. */
__md_scope = new URL(document.currentScript.getAttribute("data-scope"), location)
__md_hash = e => [...e].reduce((e, _) => (e << 5) - e + _.charCodeAt(0), 0)
__md_get = (e, _ = localStorage, t = __md_scope) => JSON.parse(_.getItem(t.pathname + "." + e))
__md_set = (e, _, t = localStorage, a = __md_scope) => {
  try {
    t.setItem(a.pathname + "." + e, JSON.stringify(_))
  } catch (e) {}
}
