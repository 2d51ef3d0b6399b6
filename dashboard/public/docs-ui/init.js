// Starts Swagger UI on /docs. A file of its own, not an inline script, so the page's CSP can
// allow scripts from this origin only.
/* global SwaggerUIBundle */
window.addEventListener("DOMContentLoaded", () => {
  // @ts-expect-error SwaggerUIBundle is the global the vendored bundle defines.
  SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: false });
});
