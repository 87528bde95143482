import { defineConfig } from '@adonisjs/static'

/**
 * Web fonts carry a hash of their bytes in their name (bin/web_fonts.js), so a
 * changed font is a new URL and a browser may keep each one for a year without
 * asking. Everything else keeps its fixed name and is revalidated (ETag,
 * Last-Modified) on every use, so a deploy shows at once.
 */
const CONTENT_HASHED_FONT = /[\\/]assets[\\/]fonts[\\/][a-z0-9-]+[\\/]\d{3}\.[0-9a-f]{16}\.woff2$/

export default defineConfig({
  enabled: true,
  etag: true,
  lastModified: true,
  dotFiles: 'ignore',
  headers: (path) => ({
    'X-Content-Type-Options': 'nosniff',
    ...(CONTENT_HASHED_FONT.test(path)
      ? { 'Cache-Control': 'public, max-age=31536000, immutable' }
      : {}),
  }),
})
