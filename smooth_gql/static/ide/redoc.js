// ReDoc for the REST compatibility API, started from this file (no inline script).
"use strict";
(function () {
  var element = document.getElementById("redoc");
  Redoc.init(element.getAttribute("data-openapi-url"), { hideDownloadButton: false }, element);
})();
