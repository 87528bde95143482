import { test } from '@japa/runner'
import { randomUUID } from 'node:crypto'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { hashToken } from '#core/services/tokens'
import OrganizationApiKey from '#orgs/models/organization_api_key'
import { flashOf } from '#tests/helpers/flash'
import { actingAs, givenCustomRole, givenMember, givenOrg } from '#tests/helpers/given'
import { auditRows, metadataOf } from '#tests/helpers/orgs'
import { databaseContains, givenApiKey } from '#tests/helpers/api_keys'

const KEY_IN_PAGE = /<div class="secret-box" id="new-api-key">\s*(atx_[A-Za-z0-9_-]+)\s*<\/div>/

test.group('API keys', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('creating a key shows it once on the next page, then never again', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const create = await actingAs(
      client.post('/api-keys').form({ name: 'Moodle plugin' }).withCsrfToken().redirects(0),
      owner,
      org
    )
    create.assertStatus(302)
    create.assertHeader('location', '/api-keys')
    assert.match(flashOf(create).success, /will not be shown again/)

    // The next page render receives the flash.
    const first = await actingAs(client.get('/api-keys'), owner, org).withFlashMessages(
      create.flashMessages()
    )
    first.assertStatus(200)
    const raw = KEY_IN_PAGE.exec(first.text())?.[1]
    assert.exists(raw, 'the new key is on the page')
    assert.match(raw!, /^atx_[A-Za-z0-9_-]{43}$/)
    assert.include(first.text(), 'data-copy="new-api-key"')
    assert.equal(first.header('cache-control'), 'no-store')

    const key = await OrganizationApiKey.query().where('organization_id', org.id).firstOrFail()
    assert.equal(key.name, 'Moodle plugin')
    assert.equal(key.keyHash, hashToken(raw!))
    assert.equal(key.prefix, raw!.slice(0, 12))
    assert.equal(key.createdBy, owner.id)

    const again = await actingAs(client.get('/api-keys'), owner, org)
    assert.notInclude(again.text(), raw!)
    assert.include(again.text(), `${key.prefix}…`)
    assert.include(again.text(), 'Moodle plugin')
    assert.include(again.text(), owner.email)

    const [audit] = await auditRows(org, 'api_key.created')
    assert.equal(audit.entity_id, key.id)
    assert.deepInclude(metadataOf(audit), { name: 'Moodle plugin', prefix: key.prefix })
  })

  test('the raw key is stored nowhere in the database (A11)', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    // Between creation and the next page, the key rides in the flash in the sessions table: sealed.
    const create = await actingAs(
      client.post('/api-keys').form({ name: 'Canary' }).withCsrfToken().redirects(0),
      owner,
      org
    )
    const sealed = create.flashMessages().new_api_key
    assert.isString(sealed)
    assert.notMatch(String(sealed), /atx_/)
    const page = await actingAs(client.get('/api-keys'), owner, org).withFlashMessages(
      create.flashMessages()
    )
    const raw = KEY_IN_PAGE.exec(page.text())![1]
    assert.deepEqual(await databaseContains(raw), [])
    assert.deepEqual(await databaseContains(raw.slice(4)), [])
    assert.isNotEmpty(await databaseContains(hashToken(raw)))
  })

  test('a key name is required', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const response = await actingAs(
      client.post('/api-keys').form({ name: '  ' }).withCsrfToken().redirects(0),
      owner,
      org
    )
    response.assertStatus(302)
    assert.properties(flashOf(response).inputErrorsBag, ['name'])
    assert.lengthOf(await db.from('organization_api_keys').where('organization_id', org.id), 0)
  })

  test('revoking a key sets revoked_at, audits it and keeps it listed as revoked', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { key } = await givenApiKey(org, 'Zapier')
    const response = await actingAs(
      client.delete(`/api-keys/${key.id}`).withCsrfToken().redirects(0),
      owner,
      org
    )
    response.assertStatus(302)
    response.assertHeader('location', '/api-keys')
    assert.match(flashOf(response).success, /revoked/)

    await key.refresh()
    assert.isNotNull(key.revokedAt)
    const [audit] = await auditRows(org, 'api_key.revoked')
    assert.equal(audit.entity_id, key.id)
    assert.equal(audit.actor_user_id, owner.id)
    assert.equal(audit.severity, 'warning')

    const listed = await actingAs(client.get('/api-keys'), owner, org)
    const page = listed.text()
    assert.include(page, 'Revoked')
    assert.notInclude(page, `/api-keys/${key.id}?_method=DELETE`)
  })

  test("another org's key answers 404 like an unknown id and stays active", async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { org: orgB } = await givenOrg()
    const { key: foreign } = await givenApiKey(orgB, 'B key')
    const foreignResponse = await actingAs(
      client.delete(`/api-keys/${foreign.id}`).withCsrfToken(),
      owner,
      org
    )
    const unknownResponse = await actingAs(
      client.delete(`/api-keys/${randomUUID()}`).withCsrfToken(),
      owner,
      org
    )
    const malformed = await actingAs(
      client.delete('/api-keys/not-a-uuid').withCsrfToken(),
      owner,
      org
    )
    foreignResponse.assertStatus(404)
    unknownResponse.assertStatus(404)
    malformed.assertStatus(404)
    assert.equal(foreignResponse.text(), unknownResponse.text())
    await foreign.refresh()
    assert.isNull(foreign.revokedAt)

    const listed = await actingAs(client.get('/api-keys'), owner, org)
    const list = listed.text()
    assert.notInclude(list, 'B key')
  })

  test('a member without api_keys.manage gets 403 on every API key route', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { key } = await givenApiKey(org)
    const role = await givenCustomRole(org, ['org.manage', 'members.manage', 'audit.view'])
    const { user } = await givenMember(org, role)
    const { user: plainMember } = await givenMember(org, 'member')
    for (const actor of [user, plainMember]) {
      const listing = await actingAs(client.get('/api-keys'), actor, org)
      listing.assertStatus(403)
      const creation = await actingAs(
        client.post('/api-keys').form({ name: 'Nope' }).withCsrfToken(),
        actor,
        org
      )
      creation.assertStatus(403)
      const revocation = await actingAs(
        client.delete(`/api-keys/${key.id}`).withCsrfToken(),
        actor,
        org
      )
      revocation.assertStatus(403)
    }
    await key.refresh()
    assert.isNull(key.revokedAt)
    assert.lengthOf(await db.from('organization_api_keys').where('organization_id', org.id), 1)
  })
})
