import { test } from '@japa/runner'
import { randomUUID } from 'node:crypto'
import testUtils from '@adonisjs/core/services/test_utils'
import { actingAs, givenCustomRole, givenMember, givenOrg, roleOf } from '#tests/helpers/given'
import { auditRows, flashOf, membershipOf, metadataOf } from '#tests/helpers/orgs'
import OrganizationMember from '#orgs/models/organization_member'

test.group('Members', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('every member sees the member list, without management actions', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg({ name: 'Lotus Academy' })
    const { user } = await givenMember(org, 'member')
    const response = await actingAs(client.get('/members'), user, org)
    response.assertStatus(200)
    assert.include(response.text(), owner.email)
    assert.include(response.text(), user.email)
    assert.include(response.text(), 'Owner')
    const ownerMembership = await membershipOf(org, owner)
    assert.notInclude(response.text(), '/members/' + ownerMembership.id + '/edit')
    assert.notInclude(response.text(), 'Invite people')
  })

  test('a manager sees a manage link for each member', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const { member } = await givenMember(org, 'member')
    const response = await actingAs(client.get('/members'), owner, org)
    response.assertStatus(200)
    assert.include(response.text(), `/members/${member.id}/edit`)
    assert.include(response.text(), 'Invite people')
  })

  test('the member list is paginated', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    for (let i = 0; i < 25; i++) await givenMember(org, 'member')
    const first = await actingAs(client.get('/members'), owner, org)
    assert.include(first.text(), 'Page 1 of 2')
    assert.include(first.text(), '/members?page=2')
    const second = await actingAs(client.get('/members?page=2'), owner, org)
    second.assertStatus(200)
    assert.include(second.text(), 'Page 2 of 2')
  })

  test('a member without members.manage gets 403 on editing, updating and removing members', async ({
    client,
  }) => {
    const { org } = await givenOrg()
    const viewer = await givenCustomRole(org, ['templates.manage', 'roles.manage', 'audit.view'])
    const { user } = await givenMember(org, viewer)
    const { member: target } = await givenMember(org, 'member')
    const memberRole = await roleOf(org, 'member')

    const edit = await actingAs(client.get(`/members/${target.id}/edit`), user, org)
    edit.assertStatus(403)
    const update = await actingAs(
      client
        .put(`/members/${target.id}`)
        .form({ role_id: memberRole.id, status: 'suspended', username: 'x1' })
        .withCsrfToken(),
      user,
      org
    )
    update.assertStatus(403)
    const destroy = await actingAs(
      client.delete(`/members/${target.id}`).withCsrfToken(),
      user,
      org
    )
    destroy.assertStatus(403)
    const unchanged = await OrganizationMember.findOrFail(target.id)
    if (unchanged.status !== 'active' || unchanged.deletedAt !== null)
      throw new Error('member was changed')
  })

  test("another org's member ids answer 404, identical to an unknown id", async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { org: orgB } = await givenOrg()
    const { member: foreign } = await givenMember(orgB, 'member')
    const memberRole = await roleOf(org, 'member')
    const requests = [
      (id: string) => client.get(`/members/${id}/edit`),
      (id: string) =>
        client
          .put(`/members/${id}`)
          .form({ role_id: memberRole.id, status: 'suspended', username: 'taken' })
          .withCsrfToken(),
      (id: string) => client.delete(`/members/${id}`).withCsrfToken(),
    ]
    for (const request of requests) {
      const foreignResponse = await actingAs(request(foreign.id), owner, org)
      const unknownResponse = await actingAs(request(randomUUID()), owner, org)
      const malformedResponse = await actingAs(request('not-a-uuid'), owner, org)
      foreignResponse.assertStatus(404)
      unknownResponse.assertStatus(404)
      malformedResponse.assertStatus(404)
      assert.equal(foreignResponse.text(), unknownResponse.text())
      assert.equal(malformedResponse.text(), unknownResponse.text())
    }
    const untouched = await OrganizationMember.findOrFail(foreign.id)
    assert.equal(untouched.status, 'active')
    assert.isNull(untouched.deletedAt)
  })

  test('an owner changes a member role and the change is audited', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const { member } = await givenMember(org, 'member')
    const admin = await roleOf(org, 'admin')
    const response = await actingAs(
      client
        .put(`/members/${member.id}`)
        .form({ role_id: admin.id, status: 'active', username: member.username })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    response.assertStatus(302)
    response.assertHeader('location', '/members')
    assert.match(flashOf(response, 'success'), /membership was updated/)
    const reloaded = await OrganizationMember.findOrFail(member.id)
    assert.equal(reloaded.roleId, admin.id)
    const [audit] = await auditRows(org, 'member.role_changed')
    assert.equal(audit.entity_id, member.id)
    assert.equal(audit.actor_user_id, owner.id)
    assert.equal(metadataOf(audit).from_role, 'member')
    assert.equal(metadataOf(audit).to_role, 'admin')
  })

  test('a custom role can be given to a member', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const { member } = await givenMember(org, 'member')
    const auditors = await givenCustomRole(org, ['audit.view'], 'Auditors')
    await actingAs(
      client
        .put(`/members/${member.id}`)
        .form({ role_id: auditors.id, status: 'active', username: member.username })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    const updated = await OrganizationMember.findOrFail(member.id)
    assert.equal(updated.roleId, auditors.id)
  })

  test('a role of another org cannot be given', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const { org: orgB } = await givenOrg()
    const { member } = await givenMember(org, 'member')
    const foreignRole = await roleOf(orgB, 'admin')
    const response = await actingAs(
      client
        .put(`/members/${member.id}`)
        .form({ role_id: foreignRole.id, status: 'active', username: member.username })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    response.assertStatus(302)
    assert.match(flashOf(response, 'error'), /role does not exist/)
    const memberAfter = await OrganizationMember.findOrFail(member.id)
    const memberRole = await roleOf(org, 'member')
    assert.equal(memberAfter.roleId, memberRole.id)
  })

  test('a suspended member loses access on their next request, and reactivation restores it', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg({ name: 'Suspension Org' })
    const { user, member, role } = await givenMember(org, 'member')
    const before = await actingAs(client.get('/members'), user, org)
    before.assertStatus(200)

    const suspend = await actingAs(
      client
        .put(`/members/${member.id}`)
        .form({ role_id: role.id, status: 'suspended', username: member.username })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    suspend.assertStatus(302)
    const suspended = await OrganizationMember.findOrFail(member.id)
    assert.equal(suspended.status, 'suspended')
    const [audit] = await auditRows(org, 'member.suspended')
    assert.equal(audit.severity, 'warning')

    const after = await actingAs(client.get('/members').redirects(0), user, org)
    after.assertStatus(302)
    after.assertHeader('location', '/organizations/new')

    await actingAs(
      client
        .put(`/members/${member.id}`)
        .form({ role_id: role.id, status: 'active', username: member.username })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.lengthOf(await auditRows(org, 'member.reactivated'), 1)
    const restored = await actingAs(client.get('/members'), user, org)
    restored.assertStatus(200)
    assert.include(restored.text(), 'Suspension Org')
  })

  test('a suspended member falls back to another org they belong to', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg({ name: 'First Org' })
    const { org: other } = await givenOrg({ name: 'Fallback Org' })
    const { user, member, role } = await givenMember(org, 'member')
    const otherMembership = await givenMember(other, 'member')
    await OrganizationMember.query()
      .where('id', otherMembership.member.id)
      .update({ user_id: user.id })

    await actingAs(
      client
        .put(`/members/${member.id}`)
        .form({ role_id: role.id, status: 'suspended', username: member.username })
        .withCsrfToken(),
      owner,
      org
    )
    const response = await actingAs(client.get('/members'), user, org)
    response.assertStatus(200)
    assert.include(response.text(), 'Fallback Org')
    assert.notInclude(response.text(), owner.email)
  })

  test('removing a member is soft, audited as a warning, and ends their access', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { user, member } = await givenMember(org, 'member')
    const response = await actingAs(
      client.delete(`/members/${member.id}`).withCsrfToken().redirects(0),
      owner,
      org
    )
    response.assertStatus(302)
    response.assertHeader('location', '/members')
    const removed = await OrganizationMember.findOrFail(member.id)
    assert.equal(removed.status, 'removed')
    assert.isNotNull(removed.deletedAt)
    const [audit] = await auditRows(org, 'member.removed')
    assert.equal(audit.severity, 'warning')
    assert.equal(audit.entity_id, member.id)

    const after = await actingAs(client.get('/members').redirects(0), user, org)
    after.assertHeader('location', '/organizations/new')
    const list = await actingAs(client.get('/members'), owner, org)
    assert.notInclude(list.text(), user.email)
    const again = await actingAs(client.get(`/members/${member.id}/edit`), owner, org)
    again.assertStatus(404)
  })

  test('the last owner cannot be demoted, suspended or removed', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const membership = await membershipOf(org, owner)
    const admin = await roleOf(org, 'admin')

    const demote = await actingAs(
      client
        .put(`/members/${membership.id}`)
        .form({ role_id: admin.id, status: 'active', username: membership.username })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    demote.assertHeader('location', `/members/${membership.id}/edit`)
    assert.match(flashOf(demote, 'error'), /only active owner/)

    const suspend = await actingAs(
      client
        .put(`/members/${membership.id}`)
        .form({ role_id: membership.roleId, status: 'suspended', username: membership.username })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.match(flashOf(suspend, 'error'), /only active owner/)

    const remove = await actingAs(
      client.delete(`/members/${membership.id}`).withCsrfToken().redirects(0),
      owner,
      org
    )
    assert.match(flashOf(remove, 'error'), /only active owner/)

    const unchanged = await membershipOf(org, owner)
    assert.equal(unchanged.role.key, 'owner')
    assert.equal(unchanged.status, 'active')
    assert.isNull(unchanged.deletedAt)
    assert.lengthOf(await auditRows(org, 'member.role_changed'), 0)
  })

  test('an admin cannot make anyone an owner, nor touch an owner', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const { user: adminUser } = await givenMember(org, 'admin')
    const { member } = await givenMember(org, 'member')
    const ownerRole = await roleOf(org, 'owner')
    const promote = await actingAs(
      client
        .put(`/members/${member.id}`)
        .form({ role_id: ownerRole.id, status: 'active', username: member.username })
        .withCsrfToken()
        .redirects(0),
      adminUser,
      org
    )
    assert.match(flashOf(promote, 'error'), /Only an owner/)
    const notPromoted = await OrganizationMember.findOrFail(member.id)
    assert.notEqual(notPromoted.roleId, ownerRole.id)

    const ownerMembership = await membershipOf(org, owner)
    const remove = await actingAs(
      client.delete(`/members/${ownerMembership.id}`).withCsrfToken().redirects(0),
      adminUser,
      org
    )
    assert.match(flashOf(remove, 'error'), /Only an owner/)
    const ownerMembershipAfter = await membershipOf(org, owner)
    assert.equal(ownerMembershipAfter.status, 'active')
  })

  test('an owner can make another member an owner, then step down', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const { user, member } = await givenMember(org, 'admin')
    const ownerRole = await roleOf(org, 'owner')
    const memberRole = await roleOf(org, 'member')
    await actingAs(
      client
        .put(`/members/${member.id}`)
        .form({ role_id: ownerRole.id, status: 'active', username: member.username })
        .withCsrfToken(),
      owner,
      org
    )
    const promoted = await OrganizationMember.findOrFail(member.id)
    assert.equal(promoted.roleId, ownerRole.id)
    const ownerMembership = await membershipOf(org, owner)
    const stepDown = await actingAs(
      client
        .put(`/members/${ownerMembership.id}`)
        .form({ role_id: memberRole.id, status: 'active', username: ownerMembership.username })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.match(flashOf(stepDown, 'success'), /updated/)
    const steppedDown = await membershipOf(org, owner)
    assert.equal(steppedDown.role.key, 'member')
    const newOwner = await membershipOf(org, user)
    assert.equal(newOwner.role.key, 'owner')
  })

  test('usernames can be edited and must be unique in the org', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const { member } = await givenMember(org, 'member')
    const { member: other } = await givenMember(org, 'member')

    const taken = await actingAs(
      client
        .put(`/members/${member.id}`)
        .form({ role_id: member.roleId, status: 'active', username: other.username })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    taken.assertStatus(302)
    taken.assertHeader('location', `/members/${member.id}/edit`)
    taken.assertValidationError(
      'username',
      `The username "${other.username}" is already taken in ${org.name}.`
    )

    const invalid = await actingAs(
      client
        .put(`/members/${member.id}`)
        .form({ role_id: member.roleId, status: 'active', username: 'has spaces!' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    invalid.assertHasValidationError('username')

    const renamed = await actingAs(
      client
        .put(`/members/${member.id}`)
        .form({ role_id: member.roleId, status: 'active', username: 'New.Name_1' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    renamed.assertHeader('location', '/members')
    const storedMember = await OrganizationMember.findOrFail(member.id)
    assert.equal(storedMember.username, 'new.name_1')
  })

  test('the edit page shows the member and the roles to choose from', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { user, member } = await givenMember(org, 'member')
    await givenCustomRole(org, ['audit.view'], 'Auditors')
    const response = await actingAs(client.get(`/members/${member.id}/edit`), owner, org)
    response.assertStatus(200)
    assert.include(response.text(), user.email)
    assert.include(response.text(), member.username)
    assert.include(response.text(), 'Auditors (custom)')
    assert.include(response.text(), 'Remove member')
  })

  test('an owner can leave when another owner remains', async ({ client, assert }) => {
    const { org, owner } = await givenOrg({ name: 'Leaving Org' })
    await givenMember(org, 'owner')
    const membership = await membershipOf(org, owner)
    const response = await actingAs(
      client.delete(`/members/${membership.id}`).withCsrfToken().redirects(0),
      owner,
      org
    )
    response.assertHeader('location', '/dashboard')
    assert.equal(flashOf(response, 'success'), 'You left Leaving Org.')
    const left = await OrganizationMember.findOrFail(membership.id)
    assert.equal(left.status, 'removed')
  })
})
