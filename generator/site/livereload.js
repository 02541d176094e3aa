// The live reload of `rundbrief preview` (generator/site/reload.py puts it into every page).
//
// The server holds the request until the site has a new version, then names the pages that
// changed. A page not among them stays as it is; a changed help page gets its new content in
// place, as Material's instant navigation swaps pages (no reload of the theme's scripts and
// styles, the scroll position kept); rundbrief's own pages (the newsletter preview) get their
// new body, so the email's frames load anew. A whole build, or anything unexpected: a reload.
"use strict";

var rundbriefReload = function (epoch, request) {
  var pending, timer;
  var MATERIAL = [
    "[data-md-component=announce]",
    "[data-md-component=container]",
    "[data-md-component=header-topic]",
    "[data-md-component=outdated]",
    "[data-md-component=logo]",
    "[data-md-component=skip]",
  ];

  var shown = function (path) {
    return path.replace(/index\.html$/, "");
  };

  // Whether this page, or a frame in it, is among the changed pages (null: all changed).
  var affected = function (pages) {
    if (pages === null) {
      return true;
    }
    var mine = [shown(location.pathname)];
    document.querySelectorAll("iframe[src]").forEach(function (frame) {
      mine.push(shown(new URL(frame.getAttribute("src"), location.href).pathname));
    });
    return pages.some(function (page) {
      return mine.indexOf(shown(page)) >= 0;
    });
  };

  var swap = function (html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    document.title = fresh.title;
    if (window.document$ && document.querySelector(MATERIAL[1])) {
      MATERIAL.forEach(function (selector) {
        var old = document.querySelector(selector);
        var replacement = fresh.querySelector(selector);
        if (old && replacement) {
          old.replaceWith(replacement);
        }
      });
      // Material mounts its components (code copy, tabs, tooltips) on each new document.
      window.document$.next(document);
    } else {
      fresh.body.querySelectorAll("script").forEach(function (script) {
        script.remove(); // (this page's own reload keeps running)
      });
      document.body.replaceChildren.apply(document.body, Array.from(fresh.body.childNodes));
    }
  };

  var update = function (pages) {
    if (!affected(pages)) {
      return poll();
    }
    if (pages === null) {
      return location.reload();
    }
    fetch(location.href, { cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.text();
      })
      .then(swap)
      .then(poll, function () {
        location.reload();
      });
  };

  var poll = function () {
    pending = new XMLHttpRequest();
    pending.onloadend = function () {
      var answer = null;
      try {
        answer = JSON.parse(this.responseText);
      } catch (error) {
        answer = null;
      }
      if (this.status === 200 && answer && answer.epoch > epoch) {
        epoch = answer.epoch;
        update(answer.pages);
      } else {
        timer = setTimeout(poll, this.status === 200 ? 0 : 3000);
      }
    };
    pending.open("GET", "/livereload/" + epoch + "/" + request);
    pending.send();
  };

  var stop = function () {
    if (pending) {
      pending.onloadend = null;
      pending.abort();
    }
    clearTimeout(timer);
    pending = timer = undefined;
  };

  window.addEventListener("load", function () {
    if (document.visibilityState === "visible") {
      poll();
    }
  });
  window.addEventListener("visibilitychange", function () {
    stop();
    if (document.visibilityState === "visible") {
      poll();
    }
  });
  window.addEventListener("beforeunload", stop);
};
