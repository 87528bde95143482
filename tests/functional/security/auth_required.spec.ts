/*
| Who may reach a route is decided by the middleware attached to it. These
| tests read that middleware from the router, so they check what the app
| actually does rather than what a list says it should (the route × actor
| matrix in route_matrix.spec.ts is the list). A route with no access
| decision at all fails the first test.
*/
import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import testUtils from '@adonisjs/core/services/test_utils'
import type { ApiClient } from '@japa/api-client'
import OrganizationApiKey from '#orgs/models/organization_api_key'
import { generateToken, hashToken } from '#core/services/tokens'
import { actingAs, givenOrg } from '#tests/helpers/given'
import { concreteUrl, registeredRoutes, type RegisteredRoute } from '#tests/helpers/routes'

/** Routes anyone may call without a session or key; everything else must name its guard. */
const PUBLIC_WITHOUT_MIDDLEWARE = [
  'GET /healthz',
  'GET /assets/vendor/:file',
  // Public verification (API.md): pages and JSON for anyone holding a link or a PDF, rate limited per IP.
  'GET /v/:token',
  'GET /v/:token/pdf',
  'GET /v/:token/logo',
  'GET /verify',
  'POST /verify',
  'GET /api/v1/verify/:token',
  'POST /api/v1/verify/pdf',
  // A delivered message's links: the signed token is the permission (PDF, recipient page, unsubscribe).
  'GET /deliveries/pdf/:token',
  'GET /deliveries/r/:token',
  'GET /deliveries/unsubscribe/:token',
  'POST /deliveries/unsubscribe/:token',
  // An email's tracking image: the token derived from the message id is the permission; always the same GIF.
  'GET /deliveries/o/:token',
  // Providers' webhooks: authenticated by their signature over the raw body (and the verify token for the handshake).
  'GET /webhooks/whatsapp/:integration_id',
  'POST /webhooks/whatsapp/:integration_id',
  'POST /webhooks/email/:integration_id',
  'POST /webhooks/razorpay',
  // Checkout's return: Razorpay's signature over the order we stored is the permission (and it settles
  // only what Razorpay confirms when asked); the payer's session may have ended while they paid.
  'POST /billing/razorpay/callback',
  'GET /billing/razorpay/callback',
]
const ACCESS_MIDDLEWARE = ['auth', 'guest', 'silentAuth', 'apiKey']

const key = (route: RegisteredRoute) => `${route.method} ${route.pattern}`

function send(client: ApiClient, route: RegisteredRoute) {
  const request = client.request(concreteUrl(route.pattern), route.method as any).redirects(0)
  return route.method === 'GET' ? request : request.withCsrfToken()
}

/** The key-protected JSON API: every /api/ route except the public verification ones. */
const apiRoutes = () =>
  registeredRoutes().filter(
    (route) => route.pattern.startsWith('/api/') && !PUBLIC_WITHOUT_MIDDLEWARE.includes(key(route))
  )

async function assertApiRefuses(
  assert: any,
  client: ApiClient,
  authorization: string | null,
  label: string
) {
  for (const route of apiRoutes()) {
    const request = client.request(concreteUrl(route.pattern), route.method as any).accept('json')
    const response = await (authorization === null
      ? request
      : request.header('authorization', authorization))
    assert.equal(response.status(), 401, `${key(route)} ${label}`)
    assert.match(response.header('content-type'), /application\/json/, `${key(route)} ${label}`)
    assert.deepEqual(
      response.body(),
      {
        errors: [
          {
            code: 'E_UNAUTHORIZED',
            message: 'A valid API key is required: Authorization: Bearer <key>.',
          },
        ],
      },
      `${key(route)} ${label}`
    )
    assert.equal(
      response.header('www-authenticate'),
      'Bearer realm="authentix"',
      `${key(route)} ${label}`
    )
  }
}

test.group('Authentication required', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('every route states who may call it: auth, guest, silent auth, an API key, or is knowingly public', ({
    assert,
  }) => {
    const undecided = registeredRoutes()
      .filter((route) => !route.middleware.some((name) => ACCESS_MIDDLEWARE.includes(name)))
      .map(key)
      .filter((route) => !PUBLIC_WITHOUT_MIDDLEWARE.includes(route))
    assert.deepEqual(undecided, [], `routes without an access decision: ${undecided.join(', ')}`)
  })

  test('org pages always run the org context after auth', ({ assert }) => {
    for (const route of registeredRoutes()) {
      if (!route.middleware.includes('org')) continue
      const auth = route.middleware.indexOf('auth')
      assert.isAtLeast(auth, 0, `${key(route)} has org without auth`)
      assert.isBelow(
        auth,
        route.middleware.indexOf('org'),
        `${key(route)}: auth must run before org`
      )
    }
  })

  test('every GET page behind auth sends an anonymous visitor to the login page', async ({
    client,
    assert,
  }) => {
    const pages = registeredRoutes().filter(
      (route) => route.method === 'GET' && route.middleware.includes('auth')
    )
    assert.includeMembers(pages.map(key), ['GET /dashboard', 'GET /members', 'GET /account'])
    for (const route of pages) {
      const response = await send(client, route)
      assert.equal(response.status(), 302, key(route))
      assert.equal(response.header('location'), '/login', key(route))
    }
  })

  test('every state-changing route behind auth refuses an anonymous visitor carrying a valid CSRF token', async ({
    client,
    assert,
  }) => {
    const forms = registeredRoutes().filter(
      (route) => route.method !== 'GET' && route.middleware.includes('auth')
    )
    assert.includeMembers(forms.map(key), ['POST /logout', 'PUT /members/:id'])
    for (const route of forms) {
      const response = await send(client, route)
      assert.equal(response.status(), 302, key(route))
      assert.equal(response.header('location'), '/login', key(route))
    }
  })

  test('a session cookie for a disabled account no longer opens signed-in pages', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    owner.disabledAt = DateTime.now()
    await owner.save()
    const response = await actingAs(client.get('/dashboard').redirects(0), owner, org)
    assert.equal(response.status(), 302)
    assert.equal(response.header('location'), '/login')
  })

  test('every /api/v1 route answers 401 JSON without a key', async ({ client, assert }) => {
    assert.isNotEmpty(apiRoutes())
    assert.isTrue(
      apiRoutes().every((route) => route.middleware.includes('apiKey')),
      'every API route uses apiKey'
    )
    await assertApiRefuses(assert, client, null, 'without a key')
  })

  test('malformed, unknown and revoked keys get the same 401 as no key', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const revoked = `atx_${generateToken(32)}`
    await OrganizationApiKey.create({
      organizationId: org.id,
      name: 'Old integration',
      prefix: revoked.slice(0, 12),
      keyHash: hashToken(revoked),
      revokedAt: DateTime.now(),
    })
    await assertApiRefuses(assert, client, 'Basic dXNlcjpwYXNz', 'with Basic auth')
    await assertApiRefuses(assert, client, 'Bearer', 'with an empty bearer')
    await assertApiRefuses(
      assert,
      client,
      `Bearer not-a-key-${generateToken()}`,
      'with a malformed key'
    )
    await assertApiRefuses(assert, client, `Bearer atx_${generateToken(32)}`, 'with an unknown key')
    await assertApiRefuses(assert, client, `Bearer ${revoked}`, 'with a revoked key')
  })

  test('a signed-in session does not open the API: it reads keys, never cookies', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    for (const route of apiRoutes()) {
      const response = await actingAs(
        client.request(concreteUrl(route.pattern), route.method as any),
        owner,
        org
      )
      assert.equal(response.status(), 401, key(route))
    }
  })
})
