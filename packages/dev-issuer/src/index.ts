export { ALL_SCOPES, CUSTOMER_SCOPES, DEFAULT_AUDIENCE, DEV_ISSUER, TokenIssuer } from './token-issuer.js';
export type { SigningAlgorithm, StoredKey, TokenRequest } from './token-issuer.js';
export { loadOrCreateIssuer } from './key-file.js';
export { JWKS_PATH, serveIssuer, TOKEN_PATH } from './issuer-server.js';
export type { IssuerServerOptions, RunningIssuer } from './issuer-server.js';
