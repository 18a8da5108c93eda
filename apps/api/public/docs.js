/* global window */
// Swagger UI over this server's OpenAPI document. validatorUrl: null keeps it
// from sending the document to swagger.io for a validity badge.
window.ui = window.SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [window.SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  defaultModelsExpandDepth: 1,
  displayRequestDuration: true,
});
