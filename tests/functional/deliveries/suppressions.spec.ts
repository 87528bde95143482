import { test } from '@japa/runner'
import { randomUUID } from 'node:crypto'
import testUtils from '@adonisjs/core/services/test_utils'
import DeliverySuppression from '#deliveries/models/delivery_suppression'
import { actingAs, givenCustomRole, givenMember, givenOrg } from '#tests/helpers/given'
import { auditRows, fieldErrorOf, flashOf } from '#tests/helpers/orgs'

const BASE = '/settings/delivery/suppressions'

test.group('Settings → Delivery → Suppressions', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('an admin adds addresses by hand (normalized), sees them listed and removes one', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const added = await actingAs(
      client
        .post(BASE)
        .form({ channel: 'email', address: '  Bounced@Example.COM ', detail: 'Asked us to stop' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    added.assertStatus(302)
    assert.include(flashOf(added, 'success'), 'bounced@example.com is suppressed')
    await actingAs(
      client
        .post(BASE)
        .form({ channel: 'whatsapp', address: '+91 98765 43210' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    const rows = await DeliverySuppression.query()
      .where('organization_id', org.id)
      .orderBy('channel', 'asc')
    assert.deepEqual(
      rows.map((r) => [r.channel, r.address, r.reason, r.createdBy]),
      [
        ['email', 'bounced@example.com', 'manual', owner.id],
        ['whatsapp', '919876543210', 'manual', owner.id],
      ]
    )
    assert.lengthOf(await auditRows(org, 'delivery_suppression.added'), 2)

    const again = await actingAs(
      client
        .post(BASE)
        .form({ channel: 'email', address: 'BOUNCED@example.com' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.include(flashOf(again, 'success'), 'already suppressed')

    const page = await actingAs(client.get(BASE), owner, org)
    page.assertStatus(200)
    assert.include(page.text(), 'bounced@example.com')
    assert.include(page.text(), 'Asked us to stop')
    const filtered = await actingAs(client.get(BASE).qs({ channel: 'whatsapp' }), owner, org)
    assert.notInclude(filtered.text(), 'bounced@example.com')
    assert.include(filtered.text(), '919876543210')
    const searched = await actingAs(client.get(BASE).qs({ q: '9876' }), owner, org)
    assert.include(searched.text(), '919876543210')
    assert.notInclude(searched.text(), 'bounced@example.com')

    const email = rows[0]
    const removed = await actingAs(
      client.delete(`${BASE}/${email.id}`).withCsrfToken().redirects(0),
      owner,
      org
    )
    removed.assertStatus(302)
    assert.include(flashOf(removed, 'success'), 'no longer suppressed')
    assert.isNull(await DeliverySuppression.find(email.id))
    assert.lengthOf(await auditRows(org, 'delivery_suppression.removed'), 1)
  })

  test('a bad address is refused under its field, for the channel chosen', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    for (const [channel, address, words] of [
      ['email', 'not-an-email', 'email address'],
      ['whatsapp', 'call me maybe', 'country code'],
      ['whatsapp', '12345', 'country code'],
      ['sms', '+919876543210', 'email or WhatsApp'],
    ]) {
      const response = await actingAs(
        client.post(BASE).form({ channel, address }).withCsrfToken().redirects(0),
        owner,
        org
      )
      response.assertStatus(302)
      const field = channel === 'sms' ? 'channel' : 'address'
      assert.include(fieldErrorOf(response, field), words, `${channel} ${address}`)
    }
    assert.lengthOf(await DeliverySuppression.query().where('organization_id', org.id), 0)
  })

  test('without deliveries.manage: 403; another org’s suppression: 404', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const sender = await givenCustomRole(org, ['deliveries.send'])
    const { user } = await givenMember(org, sender)
    const { org: other } = await givenOrg()
    const theirs = await DeliverySuppression.create({
      organizationId: other.id,
      channel: 'email',
      address: 'theirs@example.com',
      reason: 'manual',
    })
    const page = await actingAs(client.get(BASE), user, org)
    page.assertStatus(403)
    const post = await actingAs(
      client.post(BASE).form({ channel: 'email', address: 'x@example.com' }).withCsrfToken(),
      user,
      org
    )
    post.assertStatus(403)
    const foreign = await actingAs(
      client.delete(`${BASE}/${theirs.id}`).withCsrfToken(),
      owner,
      org
    )
    const unknown = await actingAs(
      client.delete(`${BASE}/${randomUUID()}`).withCsrfToken(),
      owner,
      org
    )
    foreign.assertStatus(404)
    assert.equal(foreign.text(), unknown.text())
    assert.isNotNull(await DeliverySuppression.find(theirs.id))
    const list = await actingAs(client.get(BASE), owner, org)
    assert.notInclude(list.text(), 'theirs@example.com')
  })
})
