import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import SignUp from '#orgs/actions/sign_up'
import { SYSTEM_ROLES } from '#orgs/policies/permissions'
import { givenOrg } from '#tests/helpers/given'

test.group('Sign up', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('creates the user, profile, org, three system roles and an owner membership', async ({
    assert,
  }) => {
    const result = await SignUp.handle({
      fullName: 'Ananya Gupta',
      email: ' Ananya@Example.test ',
      password: 'a long enough password',
      organizationName: 'Acme Academy',
    })
    assert.equal(result.kind, 'created')
    if (result.kind !== 'created') return

    assert.equal(result.user.email, 'ananya@example.test')
    assert.equal(result.org.slug, 'acme-academy')
    assert.match(result.org.applicationId, /^app_[0-9a-f]{20}$/)
    assert.equal(result.org.billingStatus, 'trialing')
    assert.equal(result.org.trialFreeCertificates, 10)
    assert.equal(
      Math.round(result.org.trialEndsAt!.diff(result.org.trialStartedAt!, 'days').days),
      7
    )

    const profile = await db.from('profiles').where('id', result.user.id).firstOrFail()
    assert.equal(profile.full_name, 'Ananya Gupta')

    const roles = await db
      .from('organization_roles')
      .where('organization_id', result.org.id)
      .orderBy('key')
    assert.deepEqual(
      roles.map((r) => r.key),
      ['admin', 'member', 'owner']
    )
    const owner = roles.find((r) => r.key === 'owner')!
    const ownerPermissions = await db.from('role_permissions').where('role_id', owner.id)
    assert.lengthOf(ownerPermissions, SYSTEM_ROLES.owner.permissions.length)

    const membership = await db
      .from('organization_members')
      .where('organization_id', result.org.id)
      .firstOrFail()
    assert.equal(membership.user_id, result.user.id)
    assert.equal(membership.role_id, owner.id)
    assert.equal(membership.status, 'active')
    assert.equal(membership.username, 'ananya')

    const audit = await db
      .from('app_audit_logs')
      .where('organization_id', result.org.id)
      .select('action')
    assert.sameMembers(
      audit.map((a) => a.action),
      ['org.created', 'user.signed_up']
    )
  })

  test('a taken email is an expected outcome and writes nothing', async ({ assert }) => {
    const { owner } = await givenOrg()
    const before = await db.from('organizations').count('* as total')
    const result = await SignUp.handle({
      fullName: 'Someone',
      email: owner.email.toUpperCase(),
      password: 'a long enough password',
      organizationName: 'Second',
    })
    assert.deepEqual(result, { kind: 'email_taken' })
    const after = await db.from('organizations').count('* as total')
    assert.equal(Number(after[0].total), Number(before[0].total))
  })

  test('slugs stay unique when names collide', async ({ assert }) => {
    const first = await givenOrg({ name: 'Same Name' })
    const second = await givenOrg({ name: 'Same Name' })
    assert.equal(first.org.slug, 'same-name')
    assert.equal(second.org.slug, 'same-name-2')
  })

  test('generated slugs are at least 3 characters and never a reserved word', async ({
    assert,
  }) => {
    const tiny = await givenOrg({ name: 'AB' })
    const reserved = await givenOrg({ name: 'Admin' })
    assert.match(tiny.org.slug, /^org-[0-9a-f]{6}$/)
    assert.equal(reserved.org.slug, 'admin-org')
  })

  test('the audit log refuses updates and deletes at the database level', async ({ assert }) => {
    const { org } = await givenOrg()
    await assert.rejects(() =>
      db.from('app_audit_logs').where('organization_id', org.id).update({ action: 'tampered' })
    )
  })
})
