/* global window */
// Swagger UI over this server's OpenAPI document. validatorUrl: null keeps it
// from sending the document to swagger.io for a validity badge. A token pasted
// under Authorize is sent with "Try it out" and kept across reloads of /docs
// (persistAuthorization keeps it in this browser's local storage).
window.ui = window.SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [window.SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  defaultModelsExpandDepth: 1,
  displayRequestDuration: true,
  persistAuthorization: true,
});
