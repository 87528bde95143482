import { test } from '@japa/runner'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { request } from 'node:http'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import type { ApiClient } from '@japa/api-client'

/*
| Our CSS, scripts and images as a browser gets them: every page names them
| by fingerprinted URLs, each answered compressed (Brotli or gzip, as the
| browser accepts) and cached for a year as immutable; a file that names
| another names its fingerprinted URL, so a change reaches every page.
*/

const publicDir = fileURLToPath(new URL('../../../resources/public/', import.meta.url))
const YEAR_IMMUTABLE = 'public, max-age=31536000, immutable'
const HASHED = /^\/assets\/[a-z0-9_./-]+\.[0-9a-f]{12}\.(?:css|js|svg)$/

async function pageAssets(client: ApiClient, path: string) {
  const response = await client.get(path)
  return [...response.text().matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map(([, url]) => url)
}

/** The fingerprinted URL the login page names for a file whose path contains `piece`. */
async function loginAsset(client: ApiClient, piece: string) {
  const urls = await pageAssets(client, '/login')
  return urls.find((url) => url.includes(piece))!
}

/** The URLs of ours a served script names in quotes, under `prefix`. */
async function namedIn(url: string, prefix: string) {
  const response = await get(url)
  const pattern = new RegExp(`'(${prefix.replace(/\//g, '\\/')}[^']+)'`, 'g')
  return [...response.body.toString('utf8').matchAll(pattern)].map(([, named]) => named)
}

interface RawResponse {
  status: number
  headers: Record<string, string | undefined>
  /** The bytes as sent (still compressed). */
  body: Buffer
}

/** A GET whose body is kept exactly as sent: the API client would decompress it. */
function get(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: process.env.HOST, port: process.env.PORT, path: url, headers },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers as Record<string, string | undefined>,
            body: Buffer.concat(chunks),
          })
        )
        res.on('error', reject)
      }
    )
    req.on('error', reject)
    req.end()
  })
}

test.group('Assets over HTTP', () => {
  test('the login page names its stylesheets, scripts and icon by fingerprinted URLs, each cached for a year', async ({
    client,
    assert,
  }) => {
    const urls = await pageAssets(client, '/login')
    assert.sameMembers(
      urls.map((url) => url.replace(/\.[0-9a-f]{12}\./, '.')),
      [
        '/assets/img/favicon.svg',
        '/assets/css/fonts.css',
        '/assets/css/app.css',
        '/assets/vendor/htmx.min.js',
        '/assets/js/app.js',
      ]
    )
    for (const url of urls) {
      assert.match(url, HASHED)
      const response = await get(url)
      assert.equal(response.status, 200, url)
      assert.equal(response.headers['cache-control'], YEAR_IMMUTABLE, url)
      assert.equal(response.headers['x-content-type-options'], 'nosniff', url)
      assert.equal(response.headers.vary, 'Accept-Encoding', url)
    }
  })

  test('app.css comes Brotli- or gzip-compressed as asked, the same bytes as the file, and 304 when the browser has it', async ({
    client,
    assert,
  }) => {
    const url = await loginAsset(client, '/css/app.')
    const onDisk = await readFile(join(publicDir, 'assets/css/app.css'))

    const br = await get(url, { 'accept-encoding': 'gzip, deflate, br' })
    assert.equal(br.headers['content-encoding'], 'br')
    assert.equal(br.headers['content-type'], 'text/css; charset=utf-8')
    assert.isBelow(br.body.length, onDisk.length / 4, 'compressed to under a quarter')
    assert.isTrue(brotliDecompressSync(br.body).equals(onDisk))

    const gzip = await get(url, { 'accept-encoding': 'gzip' })
    assert.equal(gzip.headers['content-encoding'], 'gzip')
    assert.isTrue(gunzipSync(gzip.body).equals(onDisk))

    for (const refused of ['identity', 'br;q=0, gzip;q=0']) {
      const plain = await get(url, { 'accept-encoding': refused })
      assert.isUndefined(plain.headers['content-encoding'], refused)
      assert.isTrue(plain.body.equals(onDisk), refused)
    }

    const again = await get(url, { 'if-none-match': br.headers.etag! })
    assert.equal(again.status, 304)
  })

  test('app.js loads the page scripts, and billing.js uPlot, by their fingerprinted URLs, which answer', async ({
    client,
    assert,
  }) => {
    const pageScripts = await namedIn(await loginAsset(client, '/js/app.'), '/assets/js/pages/')
    assert.lengthOf(pageScripts, 3)
    const vendor = await namedIn(
      pageScripts.find((url) => url.includes('/billing.'))!,
      '/assets/vendor/'
    )
    assert.lengthOf(vendor, 2)
    for (const url of [...pageScripts, ...vendor]) {
      assert.match(url, HASHED)
      const response = await get(url)
      assert.equal(response.status, 200, url)
    }
  })

  test('a fingerprint that is not the file’s is a 404', async ({ client, assert }) => {
    const url = await loginAsset(client, '/css/app.')
    const wrong = await get(url.replace(/\.[0-9a-f]{12}\./, '.000000000000.'))
    assert.equal(wrong.status, 404)
  })
})
