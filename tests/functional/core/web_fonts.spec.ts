import { test } from '@japa/runner'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ApiResponse } from '@japa/api-client'
import { binary, bytesOf } from '#tests/helpers/binary'
import { generateToken } from '#core/services/tokens'

/*
| The web fonts of the scripts other than Latin (bin/web_fonts.js) as a
| browser gets them: WOFF2 typed as such, cached for a year under names that change with their bytes, and
| allowed by every page's Content-Security-Policy. Pages link fonts.css by
| its fingerprinted URL (tests/functional/core/assets.spec.ts); at its plain
| name it is revalidated, so nothing that asks for it so sees an old copy.
*/

const publicDir = fileURLToPath(new URL('../../../resources/public/', import.meta.url))
const YEAR_IMMUTABLE = 'public, max-age=31536000, immutable'

async function fontUrls() {
  const css = await readFile(join(publicDir, 'assets/css/fonts.css'), 'utf8')
  return [...css.matchAll(/url\("([^"]+)"\)/g)].map(([, url]) => url)
}

function fontSrc(response: ApiResponse) {
  const csp = response.header('content-security-policy') ?? ''
  const directive = csp.split(';').find((part) => part.trim().startsWith('font-src '))
  return directive?.trim().split(/\s+/).slice(1)
}

test.group('Web fonts over HTTP', () => {
  test('every font of fonts.css is served as font/woff2 with its exact bytes, cached for a year as immutable', async ({
    client,
    assert,
  }) => {
    const urls = await fontUrls()
    // Nine Indic scripts, Nastaliq, Naskh, Ol Chiki and Meetei Mayek, regular and bold.
    assert.lengthOf(urls, 26)
    for (const url of urls) {
      const response = await binary(client.get(url))
      assert.equal(response.status(), 200, url)
      assert.equal(response.header('content-type'), 'font/woff2', url)
      assert.equal(response.header('cache-control'), YEAR_IMMUTABLE, url)
      assert.equal(response.header('x-content-type-options'), 'nosniff', url)
      const onDisk = await readFile(join(publicDir, url))
      assert.isTrue(Buffer.from(bytesOf(response)).equals(onDisk), url)
    }
  })

  test('at their plain names the stylesheets and the licence are revalidated, never kept for a year', async ({
    client,
    assert,
  }) => {
    const [firstFont] = await fontUrls()
    const licence = firstFont.replace(/[^/]+$/, 'OFL.txt')
    const files: [string, RegExp][] = [
      ['/assets/css/fonts.css', /^text\/css/],
      ['/assets/css/app.css', /^text\/css/],
      [licence, /^text\/plain/],
    ]
    for (const [path, type] of files) {
      const response = await client.get(path)
      assert.equal(response.status(), 200, path)
      assert.match(response.header('content-type') ?? '', type, path)
      assert.equal(response.header('cache-control'), 'public, max-age=0', path)
      assert.isString(response.header('etag'), path)

      const again = await client.get(path).header('if-none-match', response.header('etag')!)
      assert.equal(again.status(), 304, path)
    }
    const licenceText = await client.get(licence)
    assert.include(licenceText.text(), 'SIL Open Font License, Version 1.1')
  })

  test('a font name that is not in fonts.css is a 404, not some other font', async ({
    client,
    assert,
  }) => {
    const [firstFont] = await fontUrls()
    const renamed = firstFont.replace(/\.[0-9a-f]{16}\.woff2$/, '.0000000000000000.woff2')
    assert.notEqual(renamed, firstFont)
    const response = await client.get(renamed)
    assert.equal(response.status(), 404)
  })

  test('the app pages and the public verification page link fonts.css and allow fonts from this site only', async ({
    client,
    assert,
  }) => {
    const login = await client.get('/login')
    const unknownCertificate = await client
      .get(`/v/${generateToken()}`)
      .header('x-forwarded-for', '198.51.100.140')
    for (const [name, response, status] of [
      ['login', login, 200],
      ['verification', unknownCertificate, 404],
    ] as const) {
      assert.equal(response.status(), status, name)
      assert.match(
        response.text(),
        /<link rel="stylesheet" href="\/assets\/css\/fonts\.[0-9a-f]{12}\.css">/,
        name
      )
      assert.deepEqual(fontSrc(response), [`'self'`], name)
    }
  })
})
