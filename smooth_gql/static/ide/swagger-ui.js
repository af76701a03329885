// Swagger UI for the REST compatibility API, started from this file (no inline script).
// No request leaves this server: the online validator badge is off, and the
// "Authorize" values are not persisted in the browser's storage.
"use strict";
(function () {
  var element = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: element.getAttribute("data-openapi-url"),
    domNode: element,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    persistAuthorization: false,
  });
})();
