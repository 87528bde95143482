import { createHash } from 'node:crypto'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { extname, join, relative, sep } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import app from '@adonisjs/core/services/app'

/**
 * The browser's files (`resources/public/assets`: CSS, scripts, images; and
 * the vendored htmx and uPlot from their npm packages), fingerprinted:
 * `/assets/css/app.css` is served as `/assets/css/app.<hash>.css`, whose
 * bytes never change, so a browser keeps it a year (`immutable`) and a
 * deploy changes the URL instead. Pages name files with the Edge global
 * `asset('/assets/css/app.css')`. A file naming another (`app.js` loads
 * the page scripts, `billing.js` uPlot) has those names replaced by their
 * fingerprinted URLs before its own hash is taken, so a change anywhere
 * reaches every URL that leads to it.
 *
 * Each file is read, compressed (Brotli and gzip, at their best settings:
 * once per process, ~100 KB in all) and kept in memory; a request is
 * answered from memory in the encoding the browser accepts. Web fonts
 * (already content-hashed and compressed, bin/web_fonts.js) stay with the
 * file server. In development the set is rebuilt when a file changes.
 */

export interface Asset {
  /** `/assets/css/app.css` */
  path: string
  /** `/assets/css/app.0123456789.css` */
  url: string
  type: string
  etag: string
  identity: Buffer
  br: Buffer | null
  gzip: Buffer | null
}

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
}

/** Folders of resources/public/assets that are fingerprinted (fonts are already). */
const FOLDERS = ['css', 'js', 'img']

const require = createRequire(import.meta.url)

/** Third-party browser files from the pinned npm packages, never a CDN. */
const VENDOR: Record<string, string> = {
  '/assets/vendor/htmx.min.js': require.resolve('htmx.org/dist/htmx.min.js'),
  '/assets/vendor/uplot.min.js': require.resolve('uplot/dist/uPlot.iife.min.js'),
  '/assets/vendor/uplot.min.css': require.resolve('uplot/dist/uPlot.min.css'),
}

/** A path of ours inside a CSS or script file (a string literal or `url()`). */
const REFERENCE = /\/assets\/[A-Za-z0-9_.\/-]+\.(?:css|js|svg|png|ico|json)\b/g

interface Built {
  byPath: Map<string, Asset>
  byUrl: Map<string, Asset>
  /** Newest modification time of the sources, for development rebuilds. */
  newest: number
}

function sourceFiles(): Map<string, string> {
  const root = join(app.publicPath(), 'assets')
  const files = new Map<string, string>()
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (TYPES[extname(entry.name)]) {
        files.set(`/assets/${relative(root, full).split(sep).join('/')}`, full)
      }
    }
  }
  for (const folder of FOLDERS) {
    try {
      walk(join(root, folder))
    } catch (error: any) {
      if (error.code !== 'ENOENT') throw error
    }
  }
  for (const [path, file] of Object.entries(VENDOR)) files.set(path, file)
  return files
}

function compressible(type: string) {
  return type.startsWith('text/') || type === 'image/svg+xml' || type === 'application/json'
}

function build(): Built {
  const files = sourceFiles()
  const byPath = new Map<string, Asset>()
  const inProgress = new Set<string>()
  let newest = 0

  const resolve = (path: string): Asset => {
    const done = byPath.get(path)
    if (done) return done
    if (inProgress.has(path)) throw new Error(`assets refer to each other in a cycle: ${path}`)
    inProgress.add(path)
    const file = files.get(path)!
    newest = Math.max(newest, statSync(file).mtimeMs)
    const type = TYPES[extname(path)]
    let bytes = readFileSync(file)
    if (type.startsWith('text/')) {
      const text = bytes
        .toString('utf8')
        .replace(REFERENCE, (reference) =>
          files.has(reference) && reference !== path ? resolve(reference).url : reference
        )
      bytes = Buffer.from(text, 'utf8')
    }
    const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 12)
    const extension = extname(path)
    const url = `${path.slice(0, -extension.length)}.${hash}${extension}`
    const small = bytes.length < 256 || !compressible(type)
    const asset: Asset = {
      path,
      url,
      type,
      etag: `"${hash}"`,
      identity: bytes,
      br: small
        ? null
        : brotliCompressSync(bytes, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: 11,
              [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
            },
          }),
      gzip: small ? null : gzipSync(bytes, { level: 9 }),
    }
    inProgress.delete(path)
    byPath.set(path, asset)
    return asset
  }

  for (const path of files.keys()) resolve(path)
  const byUrl = new Map<string, Asset>()
  for (const asset of byPath.values()) byUrl.set(asset.url, asset)
  return { byPath, byUrl, newest }
}

let built: Built | undefined
let checkedAt = 0

function current(): Built {
  if (built && !app.inDev) return built
  if (built && app.inDev) {
    // Development: a changed file shows on the next page (checked at most once a second).
    const now = Date.now()
    if (now - checkedAt < 1000) return built
    checkedAt = now
    let newest = 0
    for (const file of sourceFiles().values()) newest = Math.max(newest, statSync(file).mtimeMs)
    if (newest <= built.newest) return built
  }
  built = build()
  return built
}

/** The fingerprinted URL of `/assets/…` (a path that is not an asset is an error: a broken page must not ship). */
export function assetUrl(path: string): string {
  const asset = current().byPath.get(path)
  if (!asset) throw new Error(`no asset ${path} under resources/public/assets`)
  return asset.url
}

/** The asset at its plain path (`/assets/vendor/htmx.min.js`), or undefined. */
export function assetOf(path: string): Asset | undefined {
  return current().byPath.get(path)
}

/** The asset a fingerprinted URL names, or undefined. */
export function assetAt(url: string): Asset | undefined {
  return current().byUrl.get(url)
}

/** The asset's bytes in the best encoding `accept-encoding` allows. */
export function encodedBody(asset: Asset, acceptEncoding: string | undefined) {
  const accepted = new Set<string>()
  for (const part of (acceptEncoding ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.split(';').map((piece) => piece.trim())
    const q = params.find((param) => param.startsWith('q='))
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name)
  }
  if (asset.br && accepted.has('br')) return { encoding: 'br', body: asset.br }
  if (asset.gzip && accepted.has('gzip')) return { encoding: 'gzip', body: asset.gzip }
  return { encoding: null, body: asset.identity }
}
