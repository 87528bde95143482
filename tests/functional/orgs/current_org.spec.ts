import { test } from '@japa/runner'
import { randomUUID } from 'node:crypto'
import testUtils from '@adonisjs/core/services/test_utils'
import Organization from '#orgs/models/organization'
import OrganizationMember from '#orgs/models/organization_member'
import { actingAs, givenMember, givenOrg, givenUser } from '#tests/helpers/given'
import { auditRows, flashOf, membershipOf } from '#tests/helpers/orgs'

/** A user who is a member of two orgs. */
async function givenTwoOrgUser() {
  const { org: first } = await givenOrg({ name: 'Alpha School' })
  const { org: second } = await givenOrg({ name: 'Beta College' })
  const { user } = await givenMember(first, 'member')
  const { member } = await givenMember(second, 'admin')
  await OrganizationMember.query().where('id', member.id).update({ user_id: user.id })
  return { user, first, second }
}

test.group('Current org and creating organizations', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('switching to an org the user is an active member of stores it and opens its dashboard', async ({
    client,
    assert,
  }) => {
    const { user, first, second } = await givenTwoOrgUser()
    const response = await actingAs(
      client.put('/current-org').form({ organization_id: second.id }).withCsrfToken().redirects(0),
      user,
      first
    )
    response.assertStatus(302)
    response.assertHeader('location', '/dashboard')
    response.assertSession('current_org_id', second.id)
    assert.equal(flashOf(response, 'success'), 'Switched to Beta College.')

    const members = await actingAs(client.get('/members'), user, second)
    assert.include(members.text(), 'Beta College')
    assert.include(members.text(), 'name="organization_id"')
  })

  test("switching to an org you don't belong to is a 404 and leaves the session alone", async ({
    client,
  }) => {
    const { user, first } = await givenTwoOrgUser()
    const { org: stranger } = await givenOrg()
    for (const id of [stranger.id, randomUUID(), 'not-a-uuid']) {
      const response = await actingAs(
        client.put('/current-org').form({ organization_id: id }).withCsrfToken().redirects(0),
        user,
        first
      )
      response.assertStatus(404)
      response.assertSession('current_org_id', first.id)
    }
  })

  test('switching to an org where the membership is suspended or removed is a 404', async ({
    client,
  }) => {
    const { user, first, second } = await givenTwoOrgUser()
    const membership = await membershipOf(second, user)
    membership.status = 'suspended'
    await membership.save()
    const suspended = await actingAs(
      client.put('/current-org').form({ organization_id: second.id }).withCsrfToken(),
      user,
      first
    )
    suspended.assertStatus(404)

    const firstMembership = await membershipOf(first, user)
    await OrganizationMember.query().where('id', firstMembership.id).update({ status: 'removed' })
    const removed = await actingAs(
      client.put('/current-org').form({ organization_id: first.id }).withCsrfToken(),
      user,
      first
    )
    removed.assertStatus(404)
  })

  test('a session pointing at an org the user left falls back to one they belong to', async ({
    client,
    assert,
  }) => {
    const { user, first, second } = await givenTwoOrgUser()
    const secondMembership = await membershipOf(second, user)
    await OrganizationMember.query().where('id', secondMembership.id).update({ status: 'removed' })
    const response = await actingAs(client.get('/members'), user, second)
    response.assertStatus(200)
    assert.include(response.text(), 'Alpha School')
    response.assertSession('current_org_id', first.id)
  })

  test('a user without any organization is sent to a page that says so and lets them create one', async ({
    client,
    assert,
  }) => {
    const user = await givenUser()
    const redirect = await actingAs(client.get('/members').redirects(0), user)
    redirect.assertHeader('location', '/organizations/new')
    const page = await actingAs(client.get('/organizations/new'), user)
    page.assertStatus(200)
    assert.include(page.text(), "You're not a member of any organization yet")
    assert.include(page.text(), 'name="name"')
    assert.include(page.text(), 'Log out')
  })

  test('a member of an org sees the page to create another one', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const page = await actingAs(client.get('/organizations/new'), owner, org)
    page.assertStatus(200)
    assert.include(page.text(), 'Create another organization')
    assert.notInclude(page.text(), 'not a member of any organization')
  })

  test('creating an organization makes the user its owner and switches to it', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg({ name: 'Old Org' })
    const response = await actingAs(
      client
        .post('/organizations')
        .form({ name: 'Fresh Start Academy' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    response.assertHeader('location', '/dashboard')
    const created = await Organization.findByOrFail('slug', 'fresh-start-academy')
    response.assertSession('current_org_id', created.id)
    assert.match(flashOf(response, 'success'), /Fresh Start Academy is ready/)
    const membership = await membershipOf(created, owner)
    assert.equal(membership.role.key, 'owner')
    assert.equal(membership.status, 'active')
    assert.equal(created.billingStatus, 'trialing')
    assert.lengthOf(await auditRows(created, 'org.created'), 1)
    const ownerMembership = await membershipOf(org, owner)
    assert.equal(ownerMembership.status, 'active')
  })

  test('a user with no organization can create their first one', async ({ client, assert }) => {
    const user = await givenUser()
    const response = await actingAs(
      client.post('/organizations').form({ name: 'My First Org' }).withCsrfToken().redirects(0),
      user
    )
    response.assertHeader('location', '/dashboard')
    const created = await Organization.findByOrFail('slug', 'my-first-org')
    const createdMembership = await membershipOf(created, user)
    assert.equal(createdMembership.role.key, 'owner')
    const members = await actingAs(client.get('/members'), user)
    members.assertStatus(200)
    assert.include(members.text(), 'My First Org')
  })

  test('an organization needs a name', async ({ client }) => {
    const user = await givenUser()
    const response = await actingAs(
      client.post('/organizations').form({ name: ' ' }).withCsrfToken().redirects(0),
      user
    )
    response.assertHasValidationError('name')
  })
})
