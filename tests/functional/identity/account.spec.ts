import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import hash from '@adonisjs/core/services/hash'
import Profile from '#identity/models/profile'
import AuditLog from '#core/models/audit_log'
import { PASSWORD, actingAs, givenOrg, givenUser } from '#tests/helpers/given'
import { mailbox } from '#tests/helpers/smtp_server'
import { withSessionId } from '#tests/helpers/database_session_client'
import { whereInDatabase } from '#tests/helpers/database_scan'
import { REMEMBER_COOKIE, SESSION_COOKIE, getWithSession, logIn } from '#tests/helpers/identity'

const NEW_PASSWORD = 'a fresh passphrase for 2026'

test.group('Account page', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('requires a signed-in user', async ({ client, assert }) => {
    const response = await client.get('/account').redirects(0)
    response.assertStatus(302)
    assert.match(response.header('location') ?? '', /^\/login/)
  })

  test('shows the name, email and last login, with a way back to the dashboard', async ({
    client,
    assert,
  }) => {
    const user = await givenUser({ fullName: 'Meera Krishnan' })
    const { sessionId } = await logIn(client, user.email)
    const response = await getWithSession(client, '/account', sessionId!)
    response.assertStatus(200)
    const html = response.text()
    assert.include(html, 'value="Meera Krishnan"')
    assert.include(html, user.email)
    await user.refresh()
    assert.include(html, `datetime="${user.lastLoginAt!.toISO()}"`)
    assert.include(html, 'href="/dashboard"')
    assert.equal(response.header('cache-control'), 'no-store')
  })

  test('updates the name', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const response = await actingAs(client.put('/account/profile'), owner, org)
      .form({ full_name: '  Rahul   Dev Sharma ' })
      .withCsrfToken()
      .redirects(0)
    response.assertStatus(302)
    response.assertHeader('location', '/account')
    response.assertFlashMessage('success', 'Your name has been updated.')
    const profile = await Profile.findOrFail(owner.id)
    assert.equal(profile.fullName, 'Rahul Dev Sharma')
    assert.equal(profile.lastName, 'Sharma')
  })

  test('an empty name is refused', async ({ client }) => {
    const user = await givenUser()
    const response = await actingAs(client.put('/account/profile'), user)
      .form({ full_name: '   ' })
      .withCsrfToken()
      .redirects(0)
    response.assertValidationError('full_name', 'Enter your name.')
  })
})

test.group('Account / change password', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('the current password is required and must be right', async ({ client, assert }) => {
    const user = await givenUser()
    const missing = await actingAs(client.put('/account/password'), user)
      .form({ password: NEW_PASSWORD, password_confirmation: NEW_PASSWORD })
      .withCsrfToken()
      .redirects(0)
    missing.assertValidationError('current_password', 'Enter your current password.')

    const wrong = await actingAs(client.put('/account/password'), user)
      .form({
        current_password: 'not my password',
        password: NEW_PASSWORD,
        password_confirmation: NEW_PASSWORD,
      })
      .withCsrfToken()
      .redirects(0)
    wrong.assertStatus(302)
    wrong.assertHeader('location', '/account')
    wrong.assertValidationError('current_password', 'That is not your current password.')

    // No password of any kind is echoed back into the session.
    for (const field of ['current_password', 'password', 'password_confirmation']) {
      assert.notProperty(wrong.flashMessages(), field)
    }
    assert.deepEqual(await whereInDatabase('not my password'), [])

    await user.refresh()
    assert.isTrue(await hash.verify(user.password, PASSWORD))
    const audit = await db
      .from('app_audit_logs')
      .where('action', 'auth.password_change_failed')
      .where('actor_user_id', user.id)
    assert.lengthOf(audit, 1)
  })

  test('the new password follows the policy', async ({ client }) => {
    const user = await givenUser()
    const response = await actingAs(client.put('/account/password'), user)
      .form({
        current_password: PASSWORD,
        password: 'qwerty123',
        password_confirmation: 'qwerty123',
      })
      .withCsrfToken()
      .redirects(0)
    response.assertValidationError(
      'password',
      'This password is too common. Choose something less guessable.'
    )
  })

  test('changing the password keeps this browser signed in and signs out every other one', async ({
    client,
    assert,
  }) => {
    const user = await givenUser()
    const here = await logIn(client, user.email)
    const elsewhere = await logIn(client, user.email)
    const remembered = await logIn(client, user.email, PASSWORD, { remember: true })
    const rememberToken = String(remembered.response.cookie(REMEMBER_COOKIE)!.value)

    const response = await withSessionId(client.put('/account/password'), here.sessionId!)
      .form({
        current_password: PASSWORD,
        password: NEW_PASSWORD,
        password_confirmation: NEW_PASSWORD,
      })
      .withCsrfToken()
      .redirects(0)
    response.assertStatus(302)
    response.assertHeader('location', '/account')
    response.assertFlashMessage(
      'success',
      'Your password has been changed. Other devices have been signed out.'
    )

    // This browser continues under a fresh session id.
    const rotated = response.cookie(SESSION_COOKIE)!.value
    assert.notEqual(rotated, here.sessionId)
    const viaRotated = await getWithSession(client, '/account', rotated)
    viaRotated.assertStatus(200)
    const viaOldSession = await getWithSession(client, '/account', here.sessionId!)
    viaOldSession.assertHeader('location', '/login')
    const viaOtherDevice = await getWithSession(client, '/account', elsewhere.sessionId!)
    viaOtherDevice.assertHeader('location', '/login')
    const viaRemember = await client
      .get('/account')
      .withEncryptedCookie(REMEMBER_COOKIE, rememberToken)
      .redirects(0)
    viaRemember.assertHeader('location', '/login')

    await user.refresh()
    assert.isTrue(await hash.verify(user.password, NEW_PASSWORD))
    const audit = await db
      .from('app_audit_logs')
      .where('action', 'auth.password_changed')
      .where('actor_user_id', user.id)
    assert.lengthOf(audit, 1)
    assert.equal(audit[0].severity, 'warning')
  })
})

test.group('Account / change email', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => mailbox.clear())

  test('the password is required and must be right', async ({ client, assert }) => {
    const user = await givenUser()
    const missing = await actingAs(client.put('/account/email'), user)
      .form({ email: 'new@example.test' })
      .withCsrfToken()
      .redirects(0)
    missing.assertValidationError('email_password', 'Enter your password to confirm the change.')

    const wrong = await actingAs(client.put('/account/email'), user)
      .form({ email: 'new-address@example.test', email_password: 'wrong password here' })
      .withCsrfToken()
      .redirects(0)
    wrong.assertValidationError('email_password', 'That is not your password.')
    assert.equal(wrong.flashMessage('email'), 'new-address@example.test')
    assert.notProperty(wrong.flashMessages(), 'email_password')

    const unchanged = await db.from('users').where('id', user.id).firstOrFail()
    assert.equal(unchanged.email, user.email)
  })

  test('changes the login email and notifies the old address', async ({ client, assert }) => {
    const user = await givenUser()
    const oldEmail = user.email
    const response = await actingAs(client.put('/account/email'), user)
      .form({ email: ' New.Address@Example.test ', email_password: PASSWORD })
      .withCsrfToken()
      .redirects(0)
    response.assertStatus(302)
    response.assertHeader('location', '/account')
    response.assertFlashMessage(
      'success',
      `Your email is now new.address@example.test. We sent a notice to ${oldEmail}.`
    )

    await user.refresh()
    assert.equal(user.email, 'new.address@example.test')

    const notice = await mailbox.waitFor(oldEmail, /email address was changed/i)
    assert.include(notice.text, 'new.address@example.test')
    assert.include(notice.html, 'new.address@example.test')
    assert.isFalse(mailbox.all().some((mail) => mail.to.includes('new.address@example.test')))

    const { response: withNewEmail } = await logIn(client, 'new.address@example.test')
    withNewEmail.assertHeader('location', '/dashboard')
    const { response: withOldEmail } = await logIn(client, oldEmail)
    withOldEmail.assertHeader('location', '/login')

    const audit = await AuditLog.query()
      .where('action', 'auth.email_changed')
      .where('actor_user_id', user.id)
      .firstOrFail()
    assert.deepEqual(audit.metadata, { from: oldEmail, to: 'new.address@example.test' })
  })

  test('an email used by another account is refused', async ({ client, assert }) => {
    const user = await givenUser()
    const other = await givenUser()
    const response = await actingAs(client.put('/account/email'), user)
      .form({ email: other.email.toUpperCase(), email_password: PASSWORD })
      .withCsrfToken()
      .redirects(0)
    response.assertValidationError('email', 'Another account already uses this email address.')
    await user.refresh()
    assert.notEqual(user.email, other.email)
  })

  test('an invalid address is refused', async ({ client }) => {
    const user = await givenUser()
    const response = await actingAs(client.put('/account/email'), user)
      .form({ email: 'not-an-email', email_password: PASSWORD })
      .withCsrfToken()
      .redirects(0)
    response.assertValidationError('email', 'Enter a valid email address.')
  })

  test('reset links sent to the old address stop working', async ({ client }) => {
    const user = await givenUser()
    await client.post('/forgot-password').form({ email: user.email }).withCsrfToken().redirects(0)
    const mail = await mailbox.waitFor(user.email, /reset/i)
    const path = new URL(mailbox.linkIn(mail, '/reset-password/')).pathname

    await actingAs(client.put('/account/email'), user)
      .form({ email: 'moved@example.test', email_password: PASSWORD })
      .withCsrfToken()
      .redirects(0)
    const resetPage = await client.get(path)
    resetPage.assertStatus(410)
  })

  test('account changes without a CSRF token are refused with 403', async ({ client }) => {
    const user = await givenUser()
    for (const [path, form] of [
      ['/account/profile', { full_name: 'X Y' }],
      [
        '/account/password',
        { current_password: PASSWORD, password: NEW_PASSWORD, password_confirmation: NEW_PASSWORD },
      ],
      ['/account/email', { email: 'csrf@example.test', email_password: PASSWORD }],
    ] as const) {
      const response = await actingAs(client.put(path), user).form(form).redirects(0)
      response.assertStatus(403)
    }
  })
})
