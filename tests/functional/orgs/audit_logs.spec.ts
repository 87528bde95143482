import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import RecordAudit from '#core/actions/record_audit'
import { actingAs, givenCustomRole, givenMember, givenOrg } from '#tests/helpers/given'

test.group('Audit log page', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('shows only this org’s entries with actor, action, entity, IP, severity and details', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { org: other, owner: otherOwner } = await givenOrg()
    await RecordAudit.handle({
      action: 'api_key.revoked',
      organizationId: org.id,
      actorUserId: owner.id,
      entityType: 'api_key',
      entityId: '6f1c1c5e-0000-4000-8000-000000000001',
      severity: 'warning',
      origin: { ip: '203.0.113.7' },
      metadata: { name: 'Zapier', prefix: 'atx_abcdefgh' },
    })
    await RecordAudit.handle({
      action: 'canary.other_org_event',
      organizationId: other.id,
      actorUserId: otherOwner.id,
    })

    const response = await actingAs(client.get('/audit-log'), owner, org)
    response.assertStatus(200)
    const html = response.text()
    assert.include(html, 'api_key.revoked')
    assert.include(html, owner.email)
    assert.include(html, '203.0.113.7')
    assert.include(html, 'badge-warn')
    assert.include(html, 'name: Zapier, prefix: atx_abcdefgh')
    assert.include(html, 'org.created')
    assert.notInclude(html, 'canary.other_org_event')
    assert.notInclude(html, otherOwner.email)
  })

  test("members' sign-ins appear in the org's log; a stranger's do not", async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { user: member } = await givenMember(org, 'member')
    const { owner: stranger } = await givenOrg()
    await RecordAudit.handle({
      action: 'auth.login',
      actorUserId: member.id,
      origin: { ip: '198.51.100.4' },
    })
    await RecordAudit.handle({
      action: 'auth.login_failed',
      actorUserId: stranger.id,
      origin: { ip: '198.51.100.99' },
    })

    const response = await actingAs(client.get('/audit-log'), owner, org)
    const html = response.text()
    assert.include(html, 'auth.login')
    assert.include(html, '198.51.100.4')
    assert.notInclude(html, '198.51.100.99')
    assert.notInclude(html, stranger.email)
  })

  test('metadata is escaped', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    await RecordAudit.handle({
      action: 'test.xss',
      organizationId: org.id,
      metadata: { name: '<script>alert(1)</script>' },
    })
    const response = await actingAs(client.get('/audit-log'), owner, org)
    const html = response.text()
    assert.notInclude(html, '<script>alert(1)</script>')
    assert.include(html, '&lt;script&gt;alert(1)&lt;/script&gt;')
  })

  test('filters by action and by severity', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    await RecordAudit.handle({ action: 'test.alpha', organizationId: org.id, severity: 'critical' })
    await RecordAudit.handle({ action: 'test.beta', organizationId: org.id, severity: 'info' })

    const actionFiltered = await actingAs(
      client.get('/audit-log').qs({ action: 'test.alpha' }),
      owner,
      org
    )
    const byAction = actionFiltered.text()
    assert.include(byAction, '<code>test.alpha</code>')
    assert.notInclude(byAction, '<code>test.beta</code>')
    assert.notInclude(byAction, '<code>org.created</code>')

    const severityFiltered = await actingAs(
      client.get('/audit-log').qs({ severity: 'critical' }),
      owner,
      org
    )
    const bySeverity = severityFiltered.text()
    assert.include(bySeverity, '<code>test.alpha</code>')
    assert.notInclude(bySeverity, '<code>test.beta</code>')

    // A hand-edited filter is ignored rather than failing the page.
    const bogus = await actingAs(client.get('/audit-log').qs({ severity: 'nuclear' }), owner, org)
    bogus.assertStatus(200)
    assert.include(bogus.text(), '<code>test.beta</code>')
  })

  test('pages hold 50 entries, newest first, and keep the filter in the page links', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    for (let i = 0; i < 60; i++)
      await RecordAudit.handle({ action: 'test.bulk', organizationId: org.id, metadata: { n: i } })
    const firstPage = await actingAs(
      client.get('/audit-log').qs({ action: 'test.bulk' }),
      owner,
      org
    )
    const first = firstPage.text()
    assert.lengthOf(first.match(/data-audit-id=/g) ?? [], 50)
    assert.include(first, 'Page 1 of 2')
    assert.match(
      first,
      /href="\/audit-log\?[^"]*action=test.bulk[^"]*page=2|href="\/audit-log\?[^"]*page=2[^"]*action=test.bulk/
    )

    const secondPage = await actingAs(
      client.get('/audit-log').qs({ action: 'test.bulk', page: 2 }),
      owner,
      org
    )
    const second = secondPage.text()
    assert.lengthOf(second.match(/data-audit-id=/g) ?? [], 10)
    const firstIds = new Set([...first.matchAll(/data-audit-id="([^"]+)"/g)].map((m) => m[1]))
    const secondIds = [...second.matchAll(/data-audit-id="([^"]+)"/g)].map((m) => m[1])
    assert.isTrue(
      secondIds.every((id) => !firstIds.has(id)),
      'pages never overlap'
    )
  })

  test('a member without audit.view gets 403', async ({ client }) => {
    const { org } = await givenOrg()
    const role = await givenCustomRole(org, ['org.manage', 'members.manage', 'api_keys.manage'])
    const { user } = await givenMember(org, role)
    const forCustomRole = await actingAs(client.get('/audit-log'), user, org)
    forCustomRole.assertStatus(403)
    const { user: plainMember } = await givenMember(org, 'member')
    const forPlainMember = await actingAs(client.get('/audit-log'), plainMember, org)
    forPlainMember.assertStatus(403)
  })
})
