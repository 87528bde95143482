/*
| Response headers that keep pages safe in the browser: a strict CSP (no
| inline script or style), no framing, no MIME sniffing, private pages never
| cached, and a session cookie scripts cannot read. Pages must also be
| written so the CSP does not break them: no inline scripts, handlers or
| style attributes.
*/
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import type { ApiResponse } from '@japa/api-client'
import { actingAs, givenOrg } from '#tests/helpers/given'

const SIGNED_OUT_PAGES = ['/login', '/signup', '/forgot-password']
const ORG_PAGES = [
  '/dashboard',
  '/members',
  '/invitations',
  '/roles',
  '/roles/new',
  '/api-keys',
  '/audit-log',
  '/settings/organization',
  '/settings/categories',
]
const SIGNED_IN_PAGES = ['/account', '/organizations/new']

function directives(response: ApiResponse) {
  const header = response.header('content-security-policy') ?? ''
  return new Map(
    header
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name, values] as const)
  )
}

function setCookies(response: ApiResponse): string[] {
  const raw = response.headers()['set-cookie'] ?? []
  return Array.isArray(raw) ? raw : [raw]
}

function assertBrowserHardening(assert: any, response: ApiResponse, label: string) {
  const csp = directives(response)
  assert.deepEqual(csp.get('script-src'), ["'self'"], `${label}: script-src`)
  assert.deepEqual(csp.get('style-src'), ["'self'"], `${label}: style-src`)
  assert.deepEqual(csp.get('object-src'), ["'none'"], `${label}: object-src`)
  assert.deepEqual(csp.get('frame-ancestors'), ["'none'"], `${label}: frame-ancestors`)
  assert.deepEqual(csp.get('form-action'), ["'self'"], `${label}: form-action`)
  assert.notInclude(response.header('content-security-policy') ?? '', 'unsafe-inline', label)
  assert.notInclude(response.header('content-security-policy') ?? '', 'unsafe-eval', label)
  assert.equal(response.header('x-frame-options'), 'DENY', label)
  assert.equal(response.header('x-content-type-options'), 'nosniff', label)
  assert.equal(response.header('referrer-policy'), 'same-origin', label)
}

/** Markup the CSP would block: inline <script>, on*= handlers, hx-on, style attributes and <style> blocks. */
function assertNoInlineCode(assert: any, html: string, label: string) {
  const inlineScripts = [...html.matchAll(/<script\b([^>]*)>/gi)].filter(
    ([, attributes]) => !/\bsrc=/.test(attributes)
  )
  assert.lengthOf(inlineScripts, 0, `${label}: inline <script>`)
  assert.notMatch(html, /<[^>]+\son[a-z]+\s*=/i, `${label}: on* event handler attribute`)
  assert.notMatch(html, /<[^>]+\shx-on[:-]/i, `${label}: hx-on attribute (needs eval)`)
  assert.notMatch(html, /<[^>]+\sstyle\s*=/i, `${label}: style attribute`)
  assert.notMatch(html, /<style\b/i, `${label}: <style> block`)
  assert.notMatch(html, /javascript:/i, `${label}: javascript: URL`)
}

test.group('Security headers', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('signed-out pages carry a strict CSP, deny framing and sniffing, and contain no inline code', async ({
    client,
    assert,
  }) => {
    for (const path of SIGNED_OUT_PAGES) {
      const response = await client.get(path).redirects(0)
      assert.equal(response.status(), 200, path)
      assertBrowserHardening(assert, response, path)
      assertNoInlineCode(assert, response.text(), path)
    }
  })

  test('signed-in pages carry the same headers, are never cached and contain no inline code', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    for (const path of [...ORG_PAGES, ...SIGNED_IN_PAGES]) {
      const response = await actingAs(client.get(path).redirects(0), owner, org)
      assert.equal(response.status(), 200, path)
      assertBrowserHardening(assert, response, path)
      assert.include(response.header('cache-control'), 'no-store', path)
      assertNoInlineCode(assert, response.text(), path)
    }
  })

  test('error pages are hardened too', async ({ client, assert }) => {
    const response = await client.get('/no-such-page')
    response.assertStatus(404)
    assertBrowserHardening(assert, response, '404 page')
    assertNoInlineCode(assert, response.text(), '404 page')
  })

  test('the session cookie is HttpOnly and SameSite=Lax, and holds only an id', async ({
    client,
    assert,
  }) => {
    const response = await client.get('/login')
    response.assertStatus(200)
    const session = setCookies(response).find((cookie) => cookie.startsWith('authentix_session='))
    assert.exists(session, 'the login page starts a session')
    const attributes = session!.split(';').map((part) => part.trim().toLowerCase())
    assert.include(attributes, 'httponly')
    assert.include(attributes, 'samesite=lax')
    assert.include(attributes, 'path=/')
    // Database store: the cookie carries a signed id, never session data.
    const value = decodeURIComponent(session!.split(';')[0].split('=').slice(1).join('='))
    assert.isBelow(value.length, 200)
    for (const cookie of setCookies(response)) {
      assert.include(
        cookie.toLowerCase(),
        'httponly',
        `every cookie is HttpOnly: ${cookie.split('=')[0]}`
      )
    }
  })

  test('stylesheets, scripts and images are served from /assets with their types and nosniff', async ({
    client,
    assert,
  }) => {
    const assets: [string, RegExp][] = [
      ['/assets/css/app.css', /text\/css/],
      ['/assets/js/app.js', /javascript/],
      ['/assets/img/favicon.svg', /image\/svg\+xml/],
    ]
    for (const [path, type] of assets) {
      const response = await client.get(path)
      assert.equal(response.status(), 200, path)
      assert.match(response.header('content-type') ?? '', type, path)
      assert.equal(response.header('x-content-type-options'), 'nosniff', path)
    }
  })
})
