/*
| Target A8 (shared/reference/security.md): every state-changing browser route
| refuses a request without a CSRF token with 403. The routes come from the
| router, so a route added later is covered without touching this file. The
| JSON API is exempt: it reads no cookies and authenticates with bearer keys.
*/
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import type { ApiClient } from '@japa/api-client'
import { actingAs, givenOrg } from '#tests/helpers/given'
import { concreteUrl, registeredRoutes, STATE_CHANGING_METHODS } from '#tests/helpers/routes'

const CSRF_PAGE = 'This form has expired'

function stateChangingBrowserRoutes() {
  return registeredRoutes().filter(
    (route) =>
      STATE_CHANGING_METHODS.includes(route.method) &&
      !route.pattern.startsWith('/api/') &&
      // One-click unsubscribe (RFC 8058): a mail client posts it with no session; the signed token is the permission.
      route.pattern !== '/deliveries/unsubscribe/:token' &&
      // Providers' webhooks are authenticated by signature, not by a session's CSRF token.
      !route.pattern.startsWith('/webhooks/') &&
      // Razorpay's Checkout posts the payer back from its own site: no session, no token; the route
      // has no browser state and only hands the signed fields to its GET.
      route.pattern !== '/billing/razorpay/callback'
  )
}

function send(client: ApiClient, method: string, url: string) {
  return client.request(url, method as any).redirects(0)
}

test.group('CSRF protection', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('the list of state-changing routes is read from the router and includes the known forms', ({
    assert,
  }) => {
    const keys = stateChangingBrowserRoutes().map((route) => `${route.method} ${route.pattern}`)
    assert.isAbove(keys.length, 10)
    assert.includeMembers(keys, [
      'POST /login',
      'POST /logout',
      'PUT /members/:id',
      'DELETE /members/:id',
      'POST /signup',
    ])
    assert.notInclude(keys.join('\n'), '/api/')
  })

  test('a signed-in owner is refused with 403 on every state-changing route when the token is missing', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    for (const route of stateChangingBrowserRoutes()) {
      const key = `${route.method} ${route.pattern}`
      const response = await actingAs(
        send(client, route.method, concreteUrl(route.pattern)),
        owner,
        org
      ).form({
        name: 'changed',
      })
      assert.equal(response.status(), 403, key)
      assert.include(response.text(), CSRF_PAGE, key)
    }
  })

  test('forms that spoof PUT and DELETE through ?_method are refused the same way', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    for (const route of stateChangingBrowserRoutes()) {
      if (route.method === 'POST') continue
      const url = `${concreteUrl(route.pattern)}?_method=${route.method}`
      const response = await actingAs(send(client, 'POST', url), owner, org)
      assert.equal(response.status(), 403, `POST ${url}`)
      assert.include(response.text(), CSRF_PAGE, `POST ${url}`)
    }
  })

  test('anonymous visitors are refused too, so login and sign-up forms cannot be forged', async ({
    client,
    assert,
  }) => {
    for (const route of stateChangingBrowserRoutes()) {
      const response = await send(client, route.method, concreteUrl(route.pattern)).form({
        email: 'someone@example.test',
        password: 'a long enough password',
      })
      assert.equal(response.status(), 403, `${route.method} ${route.pattern}`)
    }
  })

  test('a forged token is refused like a missing one', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const response = await actingAs(client.post('/logout').redirects(0), owner, org)
      .form({ _csrf: 'forged-token-value' })
      .header('x-csrf-token', 'forged-token-value')
    response.assertStatus(403)
    assert.include(response.text(), CSRF_PAGE)
  })

  test('a JSON request without the token gets the refusal as JSON', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const response = await actingAs(
      client.delete(concreteUrl('/members/:id')).redirects(0),
      owner,
      org
    ).accept('json')
    response.assertStatus(403)
    assert.equal(response.body().errors[0].code, 'E_BAD_CSRF_TOKEN')
  })

  test('with a valid token the same requests get past the CSRF check', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    for (const route of stateChangingBrowserRoutes()) {
      const response = await actingAs(
        send(client, route.method, concreteUrl(route.pattern)),
        owner,
        org
      )
        .form({})
        .withCsrfToken()
      assert.notInclude(response.text(), CSRF_PAGE, `${route.method} ${route.pattern}`)
    }
  })
})
