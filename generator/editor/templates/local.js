// rundbrief: the editor talks to this site and to GitHub, and to nobody else.
//
// Sveltia CMS fetches the strings of every interface language but English from a public CDN,
// and asks GitHub's status page whether GitHub is up. The help site loads nothing from other
// hosts, so this script, loaded before the editor:
// - answers the language requests with the copy this site serves beside it (admin/locales/),
// - refuses every other request to a host that is neither this site nor GitHub's API or
//   sign-in, before it leaves the browser (the page's Content-Security-Policy blocks it too),
// - makes German the interface language unless the person chose another in the settings.
(function () {
  "use strict";
  var cdn = /^https:\/\/unpkg\.com\/@sveltia\/cms@[^/]+\/locales\/([A-Za-z-]+\.json)$/;
  var here = new URL("locales/", document.currentScript.src).href;
  var allowed = [window.location.origin, "https://api.github.com", "https://github.com"];
  var fetchAnywhere = window.fetch.bind(window);
  window.fetch = function (resource, options) {
    var url = resource instanceof Request ? resource.url : String(resource);
    var absolute = new URL(String(url), window.location.href);
    var language = cdn.exec(absolute.href);
    if (language) {
      return fetchAnywhere(here + language[1], options);
    }
    if (absolute.protocol !== "blob:" && absolute.protocol !== "data:" &&
        allowed.indexOf(absolute.origin) < 0) {
      return Promise.reject(new TypeError("rundbrief: no requests to " + absolute.origin));
    }
    return fetchAnywhere(resource, options);
  };
  try {
    var prefs = JSON.parse(localStorage.getItem("sveltia-cms.prefs") || "{}") || {};
    if (!prefs.locale) {
      prefs.locale = "de";
      localStorage.setItem("sveltia-cms.prefs", JSON.stringify(prefs));
    }
  } catch (error) {
    // Storage switched off: the browser's language decides.
  }
})();
