import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type IRouter, type RequestHandler } from 'express';
import { methodNotAllowed } from './method-not-allowed.js';
import { documentSecurityHeaders } from './security-headers.js';

/** A file held in memory: read once when the routes are built and revalidated by its strong ETag. */
interface LoadedFile {
  body: Buffer;
  extension: string;
  etag: string;
}

export interface WebRoutesOptions {
  /** The development issuer's token endpoint the page signs in with; empty in production. */
  devSignInUrl: string;
}

/** The Swagger UI files /docs uses; the package's own index.html points at the internet and is not served. */
const SWAGGER_UI_FILES = /^\/(swagger-ui\.css|swagger-ui-bundle\.js)(\.map)?$/;

/** Whether If-None-Match names the file's tag (weak comparison; `*` matches any). */
function unchanged(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((raw) => {
    const tag = raw.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

function loadedBytes(body: Buffer, extension: string): LoadedFile {
  return { body, extension, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

function loadFile(path: string): LoadedFile {
  return loadedBytes(readFileSync(path), extname(path));
}

/** Serves a file from memory; `no-cache` because its URL is not fingerprinted, so browsers revalidate (304) instead. */
function serveFile(file: LoadedFile, headers: Record<string, string> = {}): RequestHandler {
  return (req, res) => {
    res.set({ 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff', ETag: file.etag, ...headers });
    // Not req.fresh: it never answers 304 to a request carrying Cache-Control: no-cache, which fetch() adds to conditional requests.
    if (unchanged(req.get('if-none-match'), file.etag)) {
      res.status(304).end();
      return;
    }
    res.type(file.extension).send(file.body);
  };
}

/**
 * The web page, the OpenAPI document, its Swagger UI at /docs and the example
 * order. Files are read once here, so a missing one stops the start rather than
 * a later request; the page's assets are looked up in memory, so the API's own
 * requests, which pass through this router first, never touch the file system.
 */
export function webRoutes({ devSignInUrl }: WebRoutesOptions): (app: IRouter) => void {
  // src/http (run through tsx) and dist/http (compiled) sit at the same depth in the app package.
  const appDir = fileURLToPath(new URL('../../', import.meta.url));
  const publicDir = join(appDir, 'public');
  const openApi = loadFile(join(appDir, 'openapi.json'));
  const exampleOrder = loadFile(join(appDir, '../../docs/examples/order.example.json'));
  // A broken document fails the start, not the clients that fetch it.
  JSON.parse(openApi.body.toString('utf8'));
  JSON.parse(exampleOrder.body.toString('utf8'));
  // Resolved, not imported: the package's main module would load the whole browser bundle into Node.
  const swaggerUiDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

  // Every file here is a document or loaded by one: helmet's whole set, over the API's (see security-headers.ts).
  const documentHeaders = documentSecurityHeaders({ devSignInUrl });
  const serve = (file: LoadedFile): RequestHandler => serveFile(file, documentHeaders);
  const assets = new Map<string, RequestHandler>();
  for (const entry of readdirSync(publicDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.endsWith('.html')) continue;
    const path = join(entry.parentPath, entry.name);
    assets.set(`/${relative(publicDir, path).split(sep).join('/')}`, serve(loadFile(path)));
  }

  const page = (name: string): RequestHandler => serve(loadFile(join(publicDir, name)));
  const webConfig = loadedBytes(Buffer.from(JSON.stringify({ dev_sign_in_url: devSignInUrl || null })), '.json');
  const swaggerUi = express.static(swaggerUiDir, {
    index: false,
    redirect: false,
    maxAge: '1d',
    setHeaders: (res) => res.set(documentHeaders),
  });

  return (router) => {
    router
      .route('/')
      .get(page('index.html'))
      .all(methodNotAllowed(['GET']));
    router
      .route('/docs')
      .get(page('docs.html'))
      .all(methodNotAllowed(['GET']));
    router
      .route('/openapi.json')
      .get(serve(openApi))
      .all(methodNotAllowed(['GET']));
    router
      .route('/web-config.json')
      .get(serve(webConfig))
      .all(methodNotAllowed(['GET']));
    router
      .route('/examples/order.json')
      .get(serve(exampleOrder))
      .all(methodNotAllowed(['GET']));
    router.use('/docs/assets', (req, res, next) => {
      if (SWAGGER_UI_FILES.test(req.path)) swaggerUi(req, res, next);
      else next();
    });
    router.use((req, res, next) => {
      const asset = req.method === 'GET' || req.method === 'HEAD' ? assets.get(req.path) : undefined;
      if (asset) asset(req, res, next);
      else next();
    });
  };
}
