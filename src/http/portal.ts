/**
 * Serves the portal (the single-page app built by Vite into `dist/portal`) at `/`, with a strict
 * Content-Security-Policy and the usual security headers on every portal response.
 *
 * The built files are read once, when the app is built, into a map from URL path to file: only files
 * that were in the build directory are ever served, so no request path reaches the file system (no
 * traversal to guard against). Hashed assets (`/assets/*`) are cached for a year; `index.html` is
 * revalidated on every load so a new build is picked up at once.
 *
 * Client-side routes (`/activity`, `/settings/privacy`, ...) are answered with `index.html` through the
 * not-found handler ({@link portalFallback}), never paths under `/api/`, `/scim/`, `/metrics` or
 * `/healthz`: an unknown API path still gets the API's JSON 404, the same for whoever asks.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, extname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/**
 * The portal's Content-Security-Policy: scripts, styles, fonts and API calls from this origin only; no
 * inline script or style, no plugins, no framing, no `<base>` games. `data:` images are allowed for
 * the icon; nothing else is.
 */
export const PORTAL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ')

/** Headers on every portal response (the HTML shell and its assets). */
export const PORTAL_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': PORTAL_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
})

/** Paths that belong to the server, never to the portal's client-side routes. */
const SERVER_PATHS = /^\/(api|scim|metrics|healthz)(\/|$)/

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
}

interface PortalFile {
  readonly body: Buffer
  readonly contentType: string
  readonly etag: string
}

export interface PortalOptions {
  /** The built portal (`index.html` and `assets/`); default: `dist/portal` of this package. */
  readonly dir?: string
  /** Whether to send `Strict-Transport-Security` on portal responses of HTTPS requests (default true). */
  readonly hsts?: boolean
}

/** `dist/portal` of the package this module belongs to (from `src/http` under tsx, `dist/src/http` when built). */
export function defaultPortalDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) {
      return join(dir, 'dist', 'portal')
    }
    const parent = dirname(dir)
    if (parent === dir) {
      return join(process.cwd(), 'dist', 'portal')
    }
    dir = parent
  }
}

/** Every file under `dir`, keyed by its URL path (`/index.html`, `/assets/index-3f2a.js`). */
function readBuild(dir: string): Map<string, PortalFile> {
  const files = new Map<string, PortalFile>()
  if (!existsSync(dir)) {
    return files
  }
  const walk = (current: string): void => {
    for (const name of readdirSync(current)) {
      const path = join(current, name)
      if (statSync(path).isDirectory()) {
        walk(path)
        continue
      }
      const contentType = CONTENT_TYPES[extname(name).toLowerCase()]
      if (!contentType) {
        continue // only known kinds of file are served
      }
      const body = readFileSync(path)
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
      files.set(`/${relative(dir, path).split(sep).join('/')}`, { body, contentType, etag })
    }
  }
  walk(dir)
  return files
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Veil</title></head>
<body><h1>Veil</h1><p>The portal has not been built. Run <code>npm run build</code> (or <code>npm run build:portal</code>) and restart.</p>
<p>The API is available under <code>/api/v1</code>; see <code>/api/openapi.json</code>.</p></body></html>`

/** Whether the request came over TLS, directly or through a proxy that says so. */
function isHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https' || String(request.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim().toLowerCase() === 'https'
}

/** The portal's answer for a GET of a client-side route, or null when the path is not the portal's. */
export type PortalFallback = (request: FastifyRequest, reply: FastifyReply) => FastifyReply | null

/**
 * Register the portal: `GET /` and `GET /assets/*` (public). Returns the fallback for the app's
 * not-found handler, which answers client-side routes with the app shell.
 */
export function registerPortal(app: FastifyInstance, options: PortalOptions = {}): PortalFallback {
  const files = readBuild(options.dir ?? defaultPortalDir())
  const hsts = options.hsts ?? true

  const withHeaders = (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    void reply.headers(PORTAL_SECURITY_HEADERS)
    if (hsts && isHttps(request)) {
      void reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains')
    }
    return reply
  }

  const sendFile = (request: FastifyRequest, reply: FastifyReply, file: PortalFile, immutable: boolean): FastifyReply => {
    withHeaders(request, reply)
    void reply.header('content-type', file.contentType).header('etag', file.etag)
    void reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    if (request.headers['if-none-match'] === file.etag) {
      return reply.status(304).send()
    }
    return reply.send(file.body)
  }

  const sendShell = (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const shell = files.get('/index.html')
    if (!shell) {
      withHeaders(request, reply)
      return reply.status(503).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT)
    }
    return sendFile(request, reply, shell, false)
  }

  const hidden = { hide: true }
  app.get('/', { config: { access: 'public' }, schema: hidden }, async (request, reply) => sendShell(request, reply))
  app.get('/assets/*', { config: { access: 'public' }, schema: hidden }, async (request, reply) => {
    const file = files.get(request.url.split('?')[0] ?? '')
    if (!file) {
      withHeaders(request, reply)
      return reply.status(404).header('content-type', 'text/plain; charset=utf-8').send('Not found')
    }
    return sendFile(request, reply, file, true)
  })

  return (request, reply) => {
    const path = request.url.split('?')[0] ?? '/'
    if ((request.method !== 'GET' && request.method !== 'HEAD') || SERVER_PATHS.test(path) || extname(path) !== '') {
      return null
    }
    return sendShell(request, reply)
  }
}
