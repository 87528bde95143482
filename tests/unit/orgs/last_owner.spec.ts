import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import UpdateMember from '#orgs/actions/update_member'
import RemoveMember from '#orgs/actions/remove_member'
import { givenCustomRole, givenMember, givenOrg, roleOf } from '#tests/helpers/given'
import { actorFor, membershipOf } from '#tests/helpers/orgs'

test.group('Last owner rule', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('the only owner cannot demote themselves', async ({ assert }) => {
    const { org, owner } = await givenOrg()
    const actor = await actorFor(owner, org)
    const admin = await roleOf(org, 'admin')
    const result = await UpdateMember.handle({
      org,
      actor,
      memberId: actor.member.id,
      roleId: admin.id,
      status: 'active',
      username: actor.member.username,
    })
    assert.deepEqual(result, { kind: 'last_owner' })
    const ownerMembership = await membershipOf(org, owner)
    assert.equal(ownerMembership.role.key, 'owner')
  })

  test('the only owner cannot suspend themselves', async ({ assert }) => {
    const { org, owner } = await givenOrg()
    const actor = await actorFor(owner, org)
    const result = await UpdateMember.handle({
      org,
      actor,
      memberId: actor.member.id,
      roleId: actor.member.roleId,
      status: 'suspended',
      username: actor.member.username,
    })
    assert.deepEqual(result, { kind: 'last_owner' })
    const ownerMembership = await membershipOf(org, owner)
    assert.equal(ownerMembership.status, 'active')
  })

  test('the only owner cannot remove themselves', async ({ assert }) => {
    const { org, owner } = await givenOrg()
    const actor = await actorFor(owner, org)
    const result = await RemoveMember.handle({ org, actor, memberId: actor.member.id })
    assert.deepEqual(result, { kind: 'last_owner' })
    const membership = await membershipOf(org, owner)
    assert.equal(membership.status, 'active')
    assert.isNull(membership.deletedAt)
  })

  test('a suspended owner does not count: the last active owner still cannot step down', async ({
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { member: other } = await givenMember(org, 'owner')
    other.status = 'suspended'
    await other.save()
    const actor = await actorFor(owner, org)
    const memberRole = await roleOf(org, 'member')
    const result = await UpdateMember.handle({
      org,
      actor,
      memberId: actor.member.id,
      roleId: memberRole.id,
      status: 'active',
      username: actor.member.username,
    })
    assert.deepEqual(result, { kind: 'last_owner' })
  })

  test('with a second active owner, an owner can demote another owner, then not the last one', async ({
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { user: second, member: secondMember } = await givenMember(org, 'owner')
    const memberRole = await roleOf(org, 'member')

    const ownerMembership = await membershipOf(org, owner)
    const first = await UpdateMember.handle({
      org,
      actor: await actorFor(second, org),
      memberId: ownerMembership.id,
      roleId: memberRole.id,
      status: 'active',
      username: ownerMembership.username,
    })
    assert.equal(first.kind, 'updated')

    const secondDemotion = await UpdateMember.handle({
      org,
      actor: await actorFor(second, org),
      memberId: secondMember.id,
      roleId: memberRole.id,
      status: 'active',
      username: secondMember.username,
    })
    assert.deepEqual(secondDemotion, { kind: 'last_owner' })
  })

  test('an owner can leave when another active owner remains', async ({ assert }) => {
    const { org, owner } = await givenOrg()
    await givenMember(org, 'owner')
    const actor = await actorFor(owner, org)
    const result = await RemoveMember.handle({ org, actor, memberId: actor.member.id })
    assert.equal(result.kind, 'removed')
    if (result.kind === 'removed') assert.isTrue(result.self)
  })

  test('only owners grant or revoke the owner role, or suspend or remove an owner', async ({
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { user: adminUser } = await givenMember(org, 'admin')
    const { member } = await givenMember(org, 'member')
    const admin = await actorFor(adminUser, org)
    const ownerMembership = await membershipOf(org, owner)

    const ownerRole = await roleOf(org, 'owner')
    const promote = await UpdateMember.handle({
      org,
      actor: admin,
      memberId: member.id,
      roleId: ownerRole.id,
      status: 'active',
      username: member.username,
    })
    assert.deepEqual(promote, { kind: 'owner_only' })

    const memberRole = await roleOf(org, 'member')
    const demote = await UpdateMember.handle({
      org,
      actor: admin,
      memberId: ownerMembership.id,
      roleId: memberRole.id,
      status: 'active',
      username: ownerMembership.username,
    })
    assert.deepEqual(demote, { kind: 'owner_only' })

    const suspend = await UpdateMember.handle({
      org,
      actor: admin,
      memberId: ownerMembership.id,
      roleId: ownerMembership.roleId,
      status: 'suspended',
      username: ownerMembership.username,
    })
    assert.deepEqual(suspend, { kind: 'owner_only' })

    assert.deepEqual(
      await RemoveMember.handle({ org, actor: admin, memberId: ownerMembership.id }),
      { kind: 'owner_only' }
    )
    const ownerMembershipAfter = await membershipOf(org, owner)
    assert.equal(ownerMembershipAfter.status, 'active')
  })

  test('a role can only be given by someone holding all of its permissions', async ({ assert }) => {
    const { org } = await givenOrg()
    const { user: adminUser } = await givenMember(org, 'admin')
    const { member } = await givenMember(org, 'member')
    const billing = await givenCustomRole(org, ['billing.manage', 'billing.view'], 'Billing')
    const result = await UpdateMember.handle({
      org,
      actor: await actorFor(adminUser, org),
      memberId: member.id,
      roleId: billing.id,
      status: 'active',
      username: member.username,
    })
    assert.deepEqual(result, { kind: 'permissions_not_held', permissions: ['billing.manage'] })
  })
})
