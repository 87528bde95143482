import { stripControls } from '#core/services/control_characters'
import type { HttpContext } from '@adonisjs/core/http'
import drive from '@adonisjs/drive/services/main'
import type StoredFile from '#core/models/stored_file'
import { storageDisk } from '#config/drive'

/** How long a redirect to the bucket stays valid: long enough to start the download, too short to share. */
export const SIGNED_URL_TTL = '5 minutes'

/**
 * Sends a stored object to the client: the caller has already checked the
 * permission and loaded the row through the org. From local disk it is
 * streamed; from a bucket the client is redirected to a signed URL that
 * expires in five minutes. The file name is the
 * server's choice (never the path), encoded per RFC 6266 / RFC 8187 so a
 * Hindi or Tamil template name survives; the type is the one recorded at
 * upload (detected from the bytes), with `nosniff` so browsers keep to it.
 */

/** Runs of characters replaced by one underscore in the quoted ASCII fallback name. */
const ASCII_UNSAFE = /[^A-Za-z0-9._ -]+/g

/** `Content-Disposition` for a name: an ASCII `filename` fallback and the exact UTF-8 `filename*`. */
export function contentDisposition(type: 'inline' | 'attachment', filename: string) {
  const clean = stripControls(filename).replace(/[/\\]/g, '').trim() || 'download'
  const fallback = clean
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(ASCII_UNSAFE, '_')
  const encoded = encodeURIComponent(clean).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
  )
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`
}

/** "Annual Award — 2026!" → "annual-award-2026"; letters of every script are kept. */
export function fileSlug(text: string, fallback = 'file') {
  const slug = text
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
  return slug || fallback
}

export interface SendFileOptions {
  /** The name the browser saves it under. */
  filename: string
  /** Shown in the page (images, PDF previews) instead of saved. */
  inline?: boolean
  /** Private caching for immutable objects (previews of a version never change). */
  maxAgeSeconds?: number
}

/**
 * The headers of a private download, its checksum as the ETag. True when the client already
 * holds these bytes: then it has been answered 304 and nothing more is sent.
 */
function answeredFromCache(
  { request, response }: Pick<HttpContext, 'request' | 'response'>,
  mime: string,
  disposition: string,
  checksum: string,
  options: SendFileOptions
) {
  const etag = `"${checksum}"`
  response.header('Content-Type', mime)
  response.header('Content-Disposition', disposition)
  response.header('X-Content-Type-Options', 'nosniff')
  response.header('ETag', etag)
  response.header(
    'Cache-Control',
    options.maxAgeSeconds ? `private, max-age=${options.maxAgeSeconds}` : 'private, no-cache'
  )
  if (request.header('if-none-match') !== etag) return false
  response.status(304)
  response.send('')
  return true
}

export async function sendStoredFile(
  { request, response }: HttpContext,
  file: StoredFile,
  options: SendFileOptions
) {
  const disposition = contentDisposition(options.inline ? 'inline' : 'attachment', options.filename)
  if (storageDisk === 's3') {
    // The bucket serves the bytes; the signed URL fixes type and name, and expires.
    const url = await drive.use().getSignedUrl(file.path, {
      expiresIn: SIGNED_URL_TTL,
      contentType: file.mimeType,
      contentDisposition: disposition,
    })
    response.header('Cache-Control', 'no-store')
    return response.redirect(url)
  }
  if (answeredFromCache({ request, response }, file.mimeType, disposition, file.checksum, options))
    return
  response.header('Content-Length', String(file.sizeBytes))
  const stream = await drive.use().getStream(file.path)
  return response.stream(stream)
}

/**
 * Sends a document assembled in memory (a certificate stored as base +
 * part): same headers as `sendStoredFile`, the SHA-256 as its ETag.
 */
export function sendDocument(
  { request, response }: HttpContext,
  bytes: Uint8Array,
  options: SendFileOptions & { mime: string; sha256: string }
) {
  const disposition = contentDisposition(options.inline ? 'inline' : 'attachment', options.filename)
  if (answeredFromCache({ request, response }, options.mime, disposition, options.sha256, options))
    return
  response.header('Content-Length', String(bytes.length))
  return response.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
}
