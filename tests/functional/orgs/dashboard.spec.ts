import { test } from '@japa/runner'
import { givenImport } from '#tests/helpers/imports'
import { NAME_AND_QR, givenTemplate } from '#tests/helpers/given_templates'
import { DateTime } from 'luxon'
import testUtils from '@adonisjs/core/services/test_utils'
import { actingAs, givenCustomRole, givenMember, givenOrg } from '#tests/helpers/given'
import { givenInvitation } from '#tests/helpers/orgs'
import { givenApiKey } from '#tests/helpers/api_keys'
import DashboardStats from '#orgs/queries/dashboard_stats'
import RecordAudit from '#core/actions/record_audit'

test.group('Dashboard', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('counts active members, pending invitations and active API keys from real rows', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { member: suspended } = await givenMember(org, 'member')
    suspended.status = 'suspended'
    await suspended.save()
    await givenMember(org, 'admin')
    await givenInvitation(org)
    await givenInvitation(org, { status: 'accepted' })
    await givenInvitation(org, { expiresAt: DateTime.now().minus({ hours: 1 }) })
    await givenApiKey(org)
    const { key: revoked } = await givenApiKey(org)
    revoked.revokedAt = DateTime.now()
    await revoked.save()
    const { org: other } = await givenOrg()
    await givenMember(other, 'member')
    await givenApiKey(other)

    const stats = await DashboardStats.for(org)
    assert.equal(stats.activeMembers, 2)
    assert.equal(stats.pendingInvitations, 1)
    assert.equal(stats.activeApiKeys, 1)
  })

  test('the trial shows days left and the free certificate allowance', async ({ assert }) => {
    const { org } = await givenOrg({ billing: 'trialing' })
    const now = DateTime.now()
    org.trialEndsAt = now.plus({ days: 4, hours: 3 })
    assert.equal(DashboardStats.trial(org, now).daysLeft, 5)
    assert.isFalse(DashboardStats.trial(org, now).ended)
    assert.equal(DashboardStats.trial(org, now).freeCertificates, 10)
    org.trialEndsAt = now.minus({ minutes: 1 })
    assert.equal(DashboardStats.trial(org, now).daysLeft, 0)
    assert.isTrue(DashboardStats.trial(org, now).ended)
  })

  test('the getting-started checklist follows the org’s real state', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    let stats = await DashboardStats.for(org)
    assert.deepEqual(stats.checklist, {
      designedTemplate: false,
      addedRecipients: false,
      invitedTeammate: false,
      createdApiKey: false,
      completedProfile: false,
    })

    await givenTemplate(org)
    stats = await DashboardStats.for(org)
    assert.equal(stats.templates, 1)
    assert.isFalse(
      stats.checklist.designedTemplate,
      'a template without fields is not designed yet'
    )
    await givenTemplate(org, { fields: NAME_AND_QR })

    const failed = await givenImport(org, 'xlsx/invalid-xml.xlsx')
    assert.equal(failed.status, 'failed')
    stats = await DashboardStats.for(org)
    assert.isFalse(stats.checklist.addedRecipients, 'a list that could not be read does not count')
    await givenImport(org, 'recipients/semicolon.csv')

    await givenMember(org, 'member')
    await givenApiKey(org)
    org.merge({
      businessName: 'Acme Pvt Ltd',
      addressLine1: '1 MG Road',
      city: 'Bengaluru',
      postalCode: '560001',
      gstin: '29AAGCB7383J1Z4',
    })
    await org.save()
    stats = await DashboardStats.for(org)
    assert.deepEqual(stats.checklist, {
      designedTemplate: true,
      addedRecipients: true,
      invitedTeammate: true,
      createdApiKey: true,
      completedProfile: true,
    })

    const response = await actingAs(client.get('/dashboard'), owner, org)
    response.assertStatus(200)
    assert.include(response.text(), '5 of 5 done')
  })

  test('an owner sees the numbers, the trial, the org identifiers and recent activity', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg({ name: 'Lotus Learning', billing: 'trialing' })
    const response = await actingAs(client.get('/dashboard'), owner, org)
    response.assertStatus(200)
    const html = response.text()
    assert.include(html, 'Lotus Learning')
    assert.include(html, org.slug)
    assert.include(html, org.applicationId)
    assert.match(html, /Free trial: [67] days left/)
    assert.include(html, '10 free certificates')
    assert.include(html, 'id="recent-activity"')
    assert.include(html, 'org.created')
  })

  test('an ended trial says so and leads an owner to Billing; a member without billing access is told who can act', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg({ billing: 'trialing' })
    org.trialEndsAt = DateTime.utc().minus({ days: 1 })
    await org.save()
    const ownerPage = await actingAs(client.get('/dashboard'), owner, org)
    const banner = ownerPage.text().slice(ownerPage.text().indexOf('id="trial-status"'))
    assert.include(banner, 'Your free trial has ended.')
    assert.include(banner, '<a href="/billing">go to Billing</a>')
    assert.include(banner, 'Certificates already issued still verify.')

    const { user } = await givenMember(org, 'member')
    const memberPage = await actingAs(client.get('/dashboard'), user, org)
    const memberBanner = memberPage.text().slice(memberPage.text().indexOf('id="trial-status"'))
    assert.include(memberBanner, 'once an owner sets up billing')
    assert.notInclude(memberBanner, 'href="/billing"')
  })

  test('recent activity shows only this org’s last 8 entries', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const { org: other } = await givenOrg()
    await RecordAudit.handle({ action: 'canary.other_org', organizationId: other.id })
    for (let i = 0; i < 10; i++)
      await RecordAudit.handle({ action: `test.event_${i}`, organizationId: org.id })
    const dashboard = await actingAs(client.get('/dashboard'), owner, org)
    const html = dashboard.text()
    assert.notInclude(html, 'canary.other_org')
    const section = html.slice(html.indexOf('id="recent-activity"'))
    assert.lengthOf(section.match(/<li>/g) ?? [], 8)
  })

  test('a member without audit.view sees the dashboard without recent activity', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { user } = await givenMember(org, 'member')
    const response = await actingAs(client.get('/dashboard'), user, org)
    response.assertStatus(200)
    assert.notInclude(response.text(), 'id="recent-activity"')
    assert.notInclude(response.text(), 'org.created')

    const auditor = await givenCustomRole(org, ['audit.view'])
    const { user: auditorUser } = await givenMember(org, auditor)
    const allowed = await actingAs(client.get('/dashboard'), auditorUser, org)
    assert.include(allowed.text(), 'id="recent-activity"')
  })
})
