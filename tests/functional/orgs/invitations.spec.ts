import { test } from '@japa/runner'
import { randomUUID } from 'node:crypto'
import { DateTime } from 'luxon'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { hashToken } from '#core/services/tokens'
import OrganizationInvitation from '#orgs/models/organization_invitation'
import { actingAs, givenCustomRole, givenMember, givenOrg, roleOf } from '#tests/helpers/given'
import {
  auditRows,
  fieldErrorOf,
  flashOf,
  givenInvitation,
  metadataOf,
  tokenFromLink,
} from '#tests/helpers/orgs'
import { mailbox } from '#tests/helpers/smtp_server'

test.group('Invitations', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('an owner invites by email: the mail carries org, inviter, role and a working link; only the hash is stored', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg({ name: 'Saraswati Institute' })
    const admin = await roleOf(org, 'admin')
    const email = `new-${randomUUID().slice(0, 8)}@example.test`
    const response = await actingAs(
      client
        .post('/invitations')
        .form({ email: email.toUpperCase(), role_id: admin.id })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    response.assertStatus(302)
    response.assertHeader('location', '/invitations')
    assert.equal(flashOf(response, 'success'), `Invitation sent to ${email}.`)

    const mail = await mailbox.waitFor(email, /Saraswati Institute/)
    assert.include(mail.subject, 'Owner Person invited you')
    assert.include(mail.text, 'Saraswati Institute')
    assert.include(mail.text, 'as Admin')
    assert.include(mail.html, 'Accept the invitation')
    const link = mailbox.linkIn(mail, '/join/')
    const token = tokenFromLink(link)

    const invitation = await OrganizationInvitation.query()
      .where('organization_id', org.id)
      .where('email', email)
      .firstOrFail()
    assert.equal(invitation.status, 'pending')
    assert.equal(invitation.roleId, admin.id)
    assert.equal(invitation.invitedBy, owner.id)
    assert.equal(invitation.sendCount, 1)
    assert.equal(invitation.tokenHash, hashToken(token))
    assert.equal(Math.round(invitation.expiresAt.diff(DateTime.now(), 'days').days), 7)
    const raw = await db.from('organization_invitations').where('id', invitation.id).first()
    assert.notInclude(JSON.stringify(raw), token)

    const [audit] = await auditRows(org, 'member.invited')
    assert.equal(audit.entity_id, invitation.id)
    assert.equal(metadataOf(audit).email, email)
    assert.notInclude(JSON.stringify(audit), token)

    const page = await client.get(new URL(link).pathname)
    page.assertStatus(200)
    assert.include(page.text(), 'Join Saraswati Institute')
  })

  test('a member without members.manage gets 403 on every invitation route', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const noManage = await givenCustomRole(org, ['roles.manage', 'audit.view', 'templates.manage'])
    const { user } = await givenMember(org, noManage)
    const { user: plain } = await givenMember(org, 'member')
    const { invitation } = await givenInvitation(org)
    const memberRole = await roleOf(org, 'member')
    for (const actor of [user, plain]) {
      const responses = [
        await actingAs(client.get('/invitations'), actor, org),
        await actingAs(
          client
            .post('/invitations')
            .form({ email: 'x@example.test', role_id: memberRole.id })
            .withCsrfToken(),
          actor,
          org
        ),
        await actingAs(client.delete(`/invitations/${invitation.id}`).withCsrfToken(), actor, org),
        await actingAs(
          client.post(`/invitations/${invitation.id}/delivery`).withCsrfToken(),
          actor,
          org
        ),
      ]
      for (const response of responses) response.assertStatus(403)
    }
    const untouched = await OrganizationInvitation.findOrFail(invitation.id)
    assert.equal(untouched.status, 'pending')
    assert.equal(untouched.sendCount, 1)
    assert.lengthOf(await OrganizationInvitation.query().where('email', 'x@example.test'), 0)
  })

  test("another org's invitation ids answer 404, identical to an unknown id", async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { org: orgB } = await givenOrg()
    const { invitation: foreign } = await givenInvitation(orgB)
    for (const request of [
      (id: string) => client.delete(`/invitations/${id}`).withCsrfToken(),
      (id: string) => client.post(`/invitations/${id}/delivery`).withCsrfToken(),
    ]) {
      const foreignResponse = await actingAs(request(foreign.id), owner, org)
      const unknownResponse = await actingAs(request(randomUUID()), owner, org)
      foreignResponse.assertStatus(404)
      unknownResponse.assertStatus(404)
      assert.equal(foreignResponse.text(), unknownResponse.text())
    }
    const untouched = await OrganizationInvitation.findOrFail(foreign.id)
    assert.equal(untouched.status, 'pending')
    assert.equal(untouched.sendCount, 1)
  })

  test('an existing active member cannot be invited again', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const { user } = await givenMember(org, 'member')
    const adminRole = await roleOf(org, 'admin')
    const response = await actingAs(
      client
        .post('/invitations')
        .form({ email: user.email, role_id: adminRole.id })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    response.assertValidationError('email', `${user.email} is already a member of ${org.name}.`)
    assert.lengthOf(await OrganizationInvitation.query().where('organization_id', org.id), 0)
  })

  test('a pending invitation for the same email is not duplicated; the page offers resend', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { invitation } = await givenInvitation(org, { email: 'twice@example.test' })
    const memberRole = await roleOf(org, 'member')
    const response = await actingAs(
      client
        .post('/invitations')
        .form({ email: 'twice@example.test', role_id: memberRole.id })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    response.assertHasValidationError('email')
    assert.match(fieldErrorOf(response, 'email'), /already has a pending invitation.*Resend/)
    assert.lengthOf(await OrganizationInvitation.query().where('organization_id', org.id), 1)

    const page = await actingAs(client.get('/invitations'), owner, org)
    assert.include(page.text(), `/invitations/${invitation.id}/delivery`)
  })

  test('an expired pending invitation is replaced by a new one', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const { invitation: old } = await givenInvitation(org, {
      email: 'late@example.test',
      expiresAt: DateTime.now().minus({ days: 1 }),
    })
    const memberRole = await roleOf(org, 'member')
    const response = await actingAs(
      client
        .post('/invitations')
        .form({ email: 'late@example.test', role_id: memberRole.id })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.equal(flashOf(response, 'success'), 'Invitation sent to late@example.test.')
    const expired = await OrganizationInvitation.findOrFail(old.id)
    assert.equal(expired.status, 'expired')
    const open = await OrganizationInvitation.query()
      .where('organization_id', org.id)
      .where('status', 'pending')
    assert.lengthOf(open, 1)
    assert.notEqual(open[0].id, old.id)
  })

  test('only owners may invite owners', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const { user: admin } = await givenMember(org, 'admin')
    const ownerRole = await roleOf(org, 'owner')
    const refused = await actingAs(
      client
        .post('/invitations')
        .form({ email: 'boss@example.test', role_id: ownerRole.id })
        .withCsrfToken()
        .redirects(0),
      admin,
      org
    )
    refused.assertValidationError('role_id', 'Only an owner can invite someone as an owner.')
    assert.lengthOf(await OrganizationInvitation.query().where('organization_id', org.id), 0)
    const adminPage = await actingAs(client.get('/invitations'), admin, org)
    assert.notInclude(adminPage.text(), `value="${ownerRole.id}"`)

    const allowed = await actingAs(
      client
        .post('/invitations')
        .form({ email: 'boss@example.test', role_id: ownerRole.id })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.equal(flashOf(allowed, 'success'), 'Invitation sent to boss@example.test.')
  })

  test('a role of another org cannot be used', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const { org: orgB } = await givenOrg()
    const foreignRole = await roleOf(orgB, 'member')
    const response = await actingAs(
      client
        .post('/invitations')
        .form({ email: 'x@example.test', role_id: foreignRole.id })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    response.assertHasValidationError('role_id')
    assert.lengthOf(await OrganizationInvitation.query().where('organization_id', org.id), 0)
  })

  test('invalid input is refused with field errors', async ({ client }) => {
    const { org, owner } = await givenOrg()
    const response = await actingAs(
      client
        .post('/invitations')
        .form({ email: 'not-an-email', role_id: 'nope' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    response.assertHasValidationError('email')
    response.assertHasValidationError('role_id')
  })

  test('resending sends a new link, the old link stops working, and it is audited', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg({ name: 'Resend Org' })
    const email = `resend-${randomUUID().slice(0, 8)}@example.test`
    const memberRole = await roleOf(org, 'member')
    await actingAs(
      client.post('/invitations').form({ email, role_id: memberRole.id }).withCsrfToken(),
      owner,
      org
    )
    const firstLink = mailbox.linkIn(await mailbox.waitFor(email, /Resend Org/), '/join/')
    const invitation = await OrganizationInvitation.query()
      .where('organization_id', org.id)
      .where('email', email)
      .firstOrFail()
    mailbox.clear()

    const response = await actingAs(
      client.post(`/invitations/${invitation.id}/delivery`).withCsrfToken().redirects(0),
      owner,
      org
    )
    response.assertHeader('location', '/invitations')
    assert.match(flashOf(response, 'success'), /previous link no longer works/)
    const secondLink = mailbox.linkIn(await mailbox.waitFor(email, /Resend Org/), '/join/')
    assert.notEqual(secondLink, firstLink)

    const reloaded = await OrganizationInvitation.findOrFail(invitation.id)
    assert.equal(reloaded.sendCount, 2)
    assert.equal(reloaded.tokenHash, hashToken(tokenFromLink(secondLink)))
    assert.isTrue(reloaded.lastSentAt! >= invitation.lastSentAt!)

    const oldPage = await client.get(new URL(firstLink).pathname)
    oldPage.assertStatus(404)
    const newPage = await client.get(new URL(secondLink).pathname)
    newPage.assertStatus(200)
    assert.lengthOf(await auditRows(org, 'invitation.resent'), 1)
  })

  test('revoking closes the invitation, its link is refused, and it is audited', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { invitation, token } = await givenInvitation(org, { email: 'revoke-me@example.test' })
    const response = await actingAs(
      client.delete(`/invitations/${invitation.id}`).withCsrfToken().redirects(0),
      owner,
      org
    )
    response.assertHeader('location', '/invitations')
    assert.match(flashOf(response, 'success'), /revoked/)
    const revoked = await OrganizationInvitation.findOrFail(invitation.id)
    assert.equal(revoked.status, 'revoked')
    const [audit] = await auditRows(org, 'invitation.revoked')
    assert.equal(audit.entity_id, invitation.id)

    const page = await client.get(`/join/${token}`)
    page.assertStatus(410)
    assert.include(page.text(), 'This invitation was withdrawn')

    const again = await actingAs(
      client.delete(`/invitations/${invitation.id}`).withCsrfToken().redirects(0),
      owner,
      org
    )
    assert.equal(flashOf(again, 'error'), 'That invitation was already revoked.')
    const resend = await actingAs(
      client.post(`/invitations/${invitation.id}/delivery`).withCsrfToken().redirects(0),
      owner,
      org
    )
    assert.match(flashOf(resend, 'error'), /already revoked/)
  })

  test('the invitations page lists pending, expired, accepted and revoked invitations', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    await givenInvitation(org, { email: 'pending-one@example.test' })
    await givenInvitation(org, {
      email: 'expired-one@example.test',
      expiresAt: DateTime.now().minus({ hours: 1 }),
    })
    await givenInvitation(org, { email: 'accepted-one@example.test', status: 'accepted' })
    await givenInvitation(org, { email: 'revoked-one@example.test', status: 'revoked' })
    const response = await actingAs(client.get('/invitations'), owner, org)
    response.assertStatus(200)
    const html = response.text()
    for (const email of ['pending-one', 'expired-one', 'accepted-one', 'revoked-one'])
      assert.include(html, `${email}@example.test`)
    assert.include(html, 'badge-warn">Expired')
    assert.include(html, 'badge-brand">Pending')
    assert.include(html, 'id="accepted-invitations"')
    assert.include(html, 'id="revoked-invitations"')
    assert.include(html, '>New link<')
  })
})
