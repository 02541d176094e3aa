// rundbrief preview: the problems `rundbrief check` finds in the file open in the editor,
// at their lines, beside the form. The preview server rewrites admin/problems.json after every
// save; this panel reads it every two seconds. Only the preview serves this script.
(function () {
  "use strict";
  var panel = document.createElement("aside");
  panel.setAttribute("role", "status");
  panel.setAttribute("aria-live", "polite");
  panel.className = "rundbrief-check";
  panel.hidden = true;
  document.addEventListener("DOMContentLoaded", function () {
    document.body.appendChild(panel);
  });

  function currentFile(collections) {
    var match = /^#\/collections\/([^/]+)\/entries\/([^/?]+)/.exec(window.location.hash);
    if (!match) {
      return null;
    }
    var collection = collections[decodeURIComponent(match[1])];
    if (!collection) {
      return null;
    }
    if (collection.file) {
      return collection.file;
    }
    return collection.folder + "/" + decodeURIComponent(match[2]) + "." + collection.extension;
  }

  function show(report) {
    var file = currentFile(report.collections || {});
    var problems = (file && (report.files || {})[file]) || [];
    panel.textContent = "";
    if (!file) {
      panel.hidden = true;
      return;
    }
    var heading = document.createElement("strong");
    heading.textContent = problems.length
      ? report.heading.replace("{file}", file)
      : report.fine.replace("{file}", file);
    panel.appendChild(heading);
    var list = document.createElement("ul");
    problems.forEach(function (problem) {
      var item = document.createElement("li");
      item.className = problem.severity;
      item.textContent = problem.text;
      list.appendChild(item);
    });
    panel.appendChild(list);
    panel.hidden = false;
  }

  var last = null;
  function poll() {
    fetch("problems.json", { cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (report) { if (report) { last = report; show(report); } })
      .catch(function () { panel.hidden = true; })
      .then(function () { window.setTimeout(poll, 2000); });
  }
  // Another entry opened: show its problems from the last report (one polling loop only).
  window.addEventListener("hashchange", function () { if (last) { show(last); } });
  poll();
})();
