// /docs: start Swagger UI from a file, not an inline script (the pages' Content-Security-Policy
// allows scripts from this server only). The page's #swagger-ui element names the OpenAPI URL.
(function () {
  "use strict";
  var el = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: el.getAttribute("data-openapi-url"),
    oauth2RedirectUrl: window.location.origin + el.getAttribute("data-oauth2-redirect-url"),
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
  });
})();
