import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { generateToken } from '#core/services/tokens'
import OrganizationApiKey from '#orgs/models/organization_api_key'
import { givenOrg } from '#tests/helpers/given'
import { givenApiKey } from '#tests/helpers/api_keys'
import { baseUrl } from '#tests/helpers/browser'

test.group('API: GET /api/v1/org', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a valid key gets its org with the contract fields', async ({ client, assert }) => {
    const { org } = await givenOrg({ name: 'Acme Academy' })
    const { secret } = await givenApiKey(org)
    const response = await client.get('/api/v1/org').bearerToken(secret)
    response.assertStatus(200)
    assert.include(response.header('content-type'), 'application/json')
    assert.deepEqual(response.body(), {
      id: org.id,
      name: 'Acme Academy',
      slug: org.slug,
      application_id: org.applicationId,
    })
  })

  test('a key of org B returns org B, never org A', async ({ client, assert }) => {
    const { org: orgA } = await givenOrg()
    const { org: orgB } = await givenOrg()
    await givenApiKey(orgA)
    const { secret: keyB } = await givenApiKey(orgB)
    const response = await client.get('/api/v1/org').bearerToken(keyB)
    response.assertStatus(200)
    assert.equal(response.body().id, orgB.id)
    assert.notEqual(response.body().id, orgA.id)
  })

  test('missing, malformed, unknown and revoked keys get the same 401 in the contract shape', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { key: revoked, secret: revokedSecret } = await givenApiKey(org)
    revoked.revokedAt = DateTime.now()
    await revoked.save()

    const attempts = [
      client.get('/api/v1/org'),
      client.get('/api/v1/org').header('authorization', 'Basic dXNlcjpwYXNz'),
      client.get('/api/v1/org').header('authorization', 'Bearer'),
      client.get('/api/v1/org').header('authorization', 'Bearer not-a-key'),
      client.get('/api/v1/org').header('authorization', `Bearer ${revokedSecret} extra`),
      client.get('/api/v1/org').bearerToken(`atx_${generateToken(32)}`),
      client.get('/api/v1/org').bearerToken(revokedSecret),
    ]
    for (const attempt of attempts) {
      const response = await attempt
      response.assertStatus(401)
      assert.deepEqual(response.body(), {
        errors: [
          {
            code: 'E_UNAUTHORIZED',
            message: 'A valid API key is required: Authorization: Bearer <key>.',
          },
        ],
      })
      assert.include(response.header('www-authenticate'), 'Bearer')
    }
  })

  test('a key of a deleted org is refused', async ({ client }) => {
    const { org } = await givenOrg()
    const { secret } = await givenApiKey(org)
    org.deletedAt = DateTime.now()
    await org.save()
    const response = await client.get('/api/v1/org').bearerToken(secret)
    response.assertStatus(401)
  })

  test('using a key records when it was last used', async ({ client, assert }) => {
    const { org } = await givenOrg()
    const { key, secret } = await givenApiKey(org)
    assert.notExists(key.lastUsedAt)
    const response = await client.get('/api/v1/org').bearerToken(secret)
    response.assertStatus(200)
    const reloaded = await OrganizationApiKey.findOrFail(key.id)
    assert.isNotNull(reloaded.lastUsedAt)
    assert.isTrue(reloaded.lastUsedAt! > DateTime.now().minus({ minutes: 5 }))
  })

  test('API calls need no CSRF token and write no session row', async ({ client, assert }) => {
    const { org } = await givenOrg()
    const { secret } = await givenApiKey(org)
    // A state-changing verb on an API path is never stopped by CSRF (here it is simply not a route).
    const post = await client.post('/api/v1/org').bearerToken(secret).json({})
    post.assertStatus(404)

    // Plain fetch, like an integration: no cookies at all (the test client always sends one).
    const before = await db.from('sessions').count('* as total')
    const response = await fetch(`${baseUrl()}/api/v1/org`, {
      headers: { authorization: `Bearer ${secret}` },
    })
    assert.equal(response.status, 200)
    assert.equal(((await response.json()) as { id: string }).id, org.id)
    const unauthorized = await fetch(`${baseUrl()}/api/v1/org`)
    assert.equal(unauthorized.status, 401)
    const after = await db.from('sessions').count('* as total')
    assert.equal(Number(after[0].total), Number(before[0].total))
  })

  test('an unknown API path answers 404 JSON in the contract shape', async ({ client, assert }) => {
    const { org } = await givenOrg()
    const { secret } = await givenApiKey(org)
    for (const request of [
      client.get('/api/v1/nope'),
      client.get('/api/v1/nope').bearerToken(secret),
      client.delete('/api/v1/org/x'),
    ]) {
      const response = await request
      response.assertStatus(404)
      assert.include(response.header('content-type'), 'application/json')
      assert.deepEqual(response.body(), {
        errors: [{ code: 'E_NOT_FOUND', message: 'Resource not found' }],
      })
    }
  })
})
