import { test } from '@japa/runner'
import { HttpBrowser } from '#tests/helpers/http_browser'
import { randomUUID } from 'node:crypto'
import { DateTime } from 'luxon'
import testUtils from '@adonisjs/core/services/test_utils'
import hash from '@adonisjs/core/services/hash'
import { generateToken } from '#core/services/tokens'
import User from '#identity/models/user'
import Profile from '#identity/models/profile'
import OrganizationInvitation from '#orgs/models/organization_invitation'
import OrganizationMember from '#orgs/models/organization_member'
import { actingAs, givenMember, givenOrg, givenUser, PASSWORD, roleOf } from '#tests/helpers/given'
import { auditRows, flashOf, givenInvitation, membershipOf, metadataOf } from '#tests/helpers/orgs'
import { mailbox } from '#tests/helpers/smtp_server'

const NEW_PASSWORD = 'a quiet river at dawn'

test.group('Invitation acceptance', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('an unknown token gets a clear 404 page', async ({ client, assert }) => {
    const response = await client.get(`/join/${generateToken()}`)
    response.assertStatus(404)
    assert.include(response.text(), "This invitation link isn't valid")
    const before = await User.query().count('* as total')
    const token = generateToken()
    const post = await client
      .post(`/join/${token}`)
      .form({ full_name: 'X Y', password: NEW_PASSWORD })
      .withCsrfToken()
      .redirects(0)
    post.assertHeader('location', `/join/${token}`)
    const after = await User.query().count('* as total')
    assert.equal(Number(after[0].$extras.total), Number(before[0].$extras.total))
  })

  test('expired, revoked and already-accepted links are refused with an explanation', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'Closed Org' })
    const expired = await givenInvitation(org, { expiresAt: DateTime.now().minus({ minutes: 1 }) })
    const revoked = await givenInvitation(org, { status: 'revoked' })
    const accepted = await givenInvitation(org, { status: 'accepted' })

    const expiredPage = await client.get(`/join/${expired.token}`)
    expiredPage.assertStatus(410)
    assert.include(expiredPage.text(), 'This invitation has expired')
    assert.include(expiredPage.text(), 'Closed Org')
    const revokedPage = await client.get(`/join/${revoked.token}`)
    revokedPage.assertStatus(410)
    assert.include(revokedPage.text(), 'This invitation was withdrawn')
    const acceptedPage = await client.get(`/join/${accepted.token}`)
    acceptedPage.assertStatus(410)
    assert.include(acceptedPage.text(), 'This invitation was already used')

    const attempt = await client
      .post(`/join/${expired.token}`)
      .form({ full_name: 'Late Person', password: NEW_PASSWORD })
      .withCsrfToken()
      .redirects(0)
    attempt.assertHeader('location', `/join/${expired.token}`)
    assert.isNull(await User.findBy('email', expired.invitation.email))
    const expiredInvitation = await OrganizationInvitation.findOrFail(expired.invitation.id)
    assert.equal(expiredInvitation.status, 'pending')
  })

  test('a new person follows the mailed link, signs up and lands in the org signed in', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg({ name: 'Gurukul Trust' })
    const admin = await roleOf(org, 'admin')
    const email = `fresh-${randomUUID().slice(0, 8)}@example.test`
    await actingAs(
      client.post('/invitations').form({ email, role_id: admin.id }).withCsrfToken(),
      owner,
      org
    )
    const link = mailbox.linkIn(await mailbox.waitFor(email, /Gurukul Trust/), '/join/')
    const path = new URL(link).pathname

    const page = await client.get(path)
    page.assertStatus(200)
    assert.include(page.text(), 'Owner Person invited')
    assert.include(page.text(), email)
    assert.include(page.text(), 'readonly')
    assert.include(page.text(), 'name="full_name"')

    const response = await client
      .post(path)
      .form({ full_name: 'Meera  Iyer', password: NEW_PASSWORD, email: 'attacker@example.test' })
      .withCsrfToken()
      .redirects(0)
    response.assertStatus(302)
    response.assertHeader('location', '/dashboard')
    assert.equal(flashOf(response, 'success'), 'Welcome to Gurukul Trust! You joined as Admin.')
    response.assertSession('current_org_id', org.id)

    const user = await User.findByOrFail('email', email)
    assert.isNull(await User.findBy('email', 'attacker@example.test'))
    assert.isTrue(await hash.verify(user.password, NEW_PASSWORD))
    const profile = await Profile.findOrFail(user.id)
    assert.equal(profile.fullName, 'Meera Iyer')
    response.assertSession('auth_web', user.id)

    const membership = await membershipOf(org, user)
    assert.equal(membership.role.key, 'admin')
    assert.equal(membership.status, 'active')
    assert.match(membership.username, /^fresh-/)

    const invitation = await OrganizationInvitation.query()
      .where('organization_id', org.id)
      .where('email', email)
      .firstOrFail()
    assert.equal(invitation.status, 'accepted')
    assert.equal(invitation.acceptedBy, user.id)
    assert.isNotNull(invitation.acceptedAt)
    const [joined] = await auditRows(org, 'member.joined')
    assert.equal(joined.actor_user_id, user.id)
    assert.equal(metadataOf(joined).new_account, true)
    assert.equal(metadataOf(joined).role, 'admin')

    const members = await actingAs(client.get('/members'), user, org)
    members.assertStatus(200)
    assert.include(members.text(), 'Gurukul Trust')

    const reuse = await client.get(path)
    reuse.assertStatus(410)
    assert.include(reuse.text(), 'already used')
  })

  test('the sign-up form enforces the password policy and writes nothing on failure', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { invitation, token } = await givenInvitation(org)
    const short = await client
      .post(`/join/${token}`)
      .form({ full_name: 'A Person', password: 'short' })
      .withCsrfToken()
      .redirects(0)
    short.assertHasValidationError('password')
    const common = await client
      .post(`/join/${token}`)
      .form({ full_name: 'A Person', password: 'qwertyuiop' })
      .withCsrfToken()
      .redirects(0)
    common.assertHasValidationError('password')
    const asEmail = await client
      .post(`/join/${token}`)
      .form({ full_name: 'A Person', password: invitation.email })
      .withCsrfToken()
      .redirects(0)
    asEmail.assertHasValidationError('password')
    const noName = await client
      .post(`/join/${token}`)
      .form({ full_name: '', password: NEW_PASSWORD })
      .withCsrfToken()
      .redirects(0)
    noName.assertHasValidationError('full_name')
    assert.isNull(await User.findBy('email', invitation.email))
    const invitationAfter = await OrganizationInvitation.findOrFail(invitation.id)
    assert.equal(invitationAfter.status, 'pending')
  })

  test('a signed-in user with the invited email joins with one click', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'Second Home' })
    const { org: home } = await givenOrg()
    const { user } = await givenMember(home, 'member')
    const role = await roleOf(org, 'member')
    const { invitation, token } = await givenInvitation(org, { email: user.email, role })

    const page = await actingAs(client.get(`/join/${token}`), user, home)
    page.assertStatus(200)
    assert.include(page.text(), 'Join Second Home as Member')
    assert.notInclude(page.text(), 'name="password"')

    const response = await actingAs(
      client.post(`/join/${token}`).withCsrfToken().redirects(0),
      user,
      home
    )
    response.assertHeader('location', '/dashboard')
    response.assertSession('current_org_id', org.id)
    const joinedMembership = await membershipOf(org, user)
    assert.equal(joinedMembership.role.key, 'member')
    const homeMembership = await membershipOf(home, user)
    assert.equal(homeMembership.status, 'active')
    const accepted = await OrganizationInvitation.findOrFail(invitation.id)
    assert.equal(accepted.acceptedBy, user.id)
    const [joined] = await auditRows(org, 'member.joined')
    assert.equal(metadataOf(joined).new_account, false)
  })

  test('a signed-out person with an account is asked to log in and comes back to the invitation', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const user = await givenUser()
    const { token } = await givenInvitation(org, { email: user.email })

    const page = await client.get(`/join/${token}`)
    page.assertStatus(200)
    assert.include(page.text(), 'Log in to accept')
    assert.notInclude(page.text(), 'name="password"')
    page.assertSession('intended_url', `/join/${token}`)

    const post = await client
      .post(`/join/${token}`)
      .form({ full_name: 'Imposter', password: NEW_PASSWORD })
      .withCsrfToken()
      .redirects(0)
    post.assertHeader('location', '/login')
    post.assertSession('intended_url', `/join/${token}`)
    const storedUser = await User.findOrFail(user.id)
    assert.isTrue(await hash.verify(storedUser.password, 'correct-horse-battery-staple'))
    assert.isNull(
      await OrganizationMember.query()
        .where('organization_id', org.id)
        .where('user_id', user.id)
        .first()
    )
  })

  test('after logging in from the invitation page, the user returns to it and joins', async ({
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'Return Trip Org' })
    const user = await givenUser()
    const { token } = await givenInvitation(org, { email: user.email, role: 'admin' })

    // A browser: the page remembers where to come back to in the guest session (a cookie).
    const browser = new HttpBrowser()
    const invitationPage = await browser.request(`/join/${token}`)
    assert.equal(invitationPage.status, 200)
    const login = await browser.submit('/login', '/login', {
      email: user.email,
      password: PASSWORD,
    })
    assert.equal(login.status, 302)
    assert.equal(login.headers.get('location'), `/join/${token}`)

    const back = await browser.request(`/join/${token}`)
    assert.equal(back.status, 200)
    assert.include(await back.text(), 'Join Return Trip Org as Admin')
    const join = await browser.submit(`/join/${token}`, `/join/${token}`, {})
    assert.equal(join.headers.get('location'), '/dashboard')
    const joinedMembership = await membershipOf(org, user)
    assert.equal(joinedMembership.role.key, 'admin')
  })

  test('a user signed in with a different email is told so and offered to log out', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { token, invitation } = await givenInvitation(org, { email: 'someone-else@example.test' })
    const stranger = await givenUser()

    const page = await actingAs(client.get(`/join/${token}`), stranger)
    page.assertStatus(200)
    assert.include(page.text(), 'but this invitation is for')
    assert.include(page.text(), 'Log out')

    const post = await actingAs(
      client.post(`/join/${token}`).withCsrfToken().redirects(0),
      stranger
    )
    post.assertHeader('location', `/join/${token}`)
    assert.match(flashOf(post, 'error'), /different email address/)
    assert.isNull(
      await OrganizationMember.query()
        .where('organization_id', org.id)
        .where('user_id', stranger.id)
        .first()
    )
    const invitationAfter = await OrganizationInvitation.findOrFail(invitation.id)
    assert.equal(invitationAfter.status, 'pending')
  })

  test('an invitation can be accepted only once', async ({ client, assert }) => {
    const { org } = await givenOrg()
    const user = await givenUser()
    const { token } = await givenInvitation(org, { email: user.email })
    const first = await actingAs(client.post(`/join/${token}`).withCsrfToken().redirects(0), user)
    first.assertHeader('location', '/dashboard')
    const second = await actingAs(client.post(`/join/${token}`).withCsrfToken().redirects(0), user)
    second.assertHeader('location', `/join/${token}`)
    assert.lengthOf(
      await OrganizationMember.query().where('organization_id', org.id).where('user_id', user.id),
      1
    )
    assert.lengthOf(await auditRows(org, 'member.joined'), 1)
  })

  test('a previously removed member is reactivated on the same membership row', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { user, member } = await givenMember(org, 'admin')
    await actingAs(client.delete(`/members/${member.id}`).withCsrfToken(), owner, org)
    const removed = await OrganizationMember.findOrFail(member.id)
    assert.equal(removed.status, 'removed')

    const { token } = await givenInvitation(org, { email: user.email, role: 'member' })
    const response = await actingAs(
      client.post(`/join/${token}`).withCsrfToken().redirects(0),
      user
    )
    response.assertHeader('location', '/dashboard')
    const rows = await OrganizationMember.query()
      .where('organization_id', org.id)
      .where('user_id', user.id)
    assert.lengthOf(rows, 1)
    assert.equal(rows[0].id, member.id)
    assert.equal(rows[0].status, 'active')
    assert.isNull(rows[0].deletedAt)
    const memberRole = await roleOf(org, 'member')
    assert.equal(rows[0].roleId, memberRole.id)
    const [joined] = await auditRows(org, 'member.joined')
    assert.equal(metadataOf(joined).rejoined, true)
  })

  test('a suspended member cannot use an invitation to lift the suspension', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'Strict Org' })
    const { user, member } = await givenMember(org, 'member')
    const { token, invitation } = await givenInvitation(org, { email: user.email, role: 'admin' })
    member.status = 'suspended'
    await member.save()
    const response = await actingAs(
      client.post(`/join/${token}`).withCsrfToken().redirects(0),
      user
    )
    response.assertHeader('location', `/join/${token}`)
    assert.match(flashOf(response, 'error'), /suspended/)
    const memberAfter = await OrganizationMember.findOrFail(member.id)
    assert.equal(memberAfter.status, 'suspended')
    const invitationAfter = await OrganizationInvitation.findOrFail(invitation.id)
    assert.equal(invitationAfter.status, 'pending')
  })
})
