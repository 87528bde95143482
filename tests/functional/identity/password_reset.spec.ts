import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import hash from '@adonisjs/core/services/hash'
import User from '#identity/models/user'
import PasswordResetToken from '#identity/models/password_reset_token'
import RequestPasswordReset from '#identity/actions/request_password_reset'
import { hashToken } from '#core/services/tokens'
import { RESET_REQUESTED_MESSAGE } from '#identity/controllers/password_reset_requests_controller'
import { PASSWORD, givenUser } from '#tests/helpers/given'
import { mailbox } from '#tests/helpers/smtp_server'
import { whereInDatabase } from '#tests/helpers/database_scan'
import { REMEMBER_COOKIE, getWithSession, logIn } from '#tests/helpers/identity'

const NEW_PASSWORD = 'a brand new passphrase 42'

/** Asks for a reset link through the form and returns the link's path from the mail. */
async function requestResetLink(client: any, email: string) {
  const response = await client
    .post('/forgot-password')
    .form({ email })
    .withCsrfToken()
    .redirects(0)
  response.assertStatus(302)
  const mail = await mailbox.waitFor(email, /reset your authentix password/i)
  const link = mailbox.linkIn(mail, '/reset-password/')
  return {
    response,
    mail,
    link,
    path: new URL(link).pathname,
    token: new URL(link).pathname.split('/').pop()!,
  }
}

function submitNewPassword(client: any, path: string, password: string, confirmation = password) {
  return client
    .put(path)
    .form({ password, password_confirmation: confirmation })
    .withCsrfToken()
    .redirects(0)
}

test.group('Password reset', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => mailbox.clear())

  test('the forgot-password page asks for an email', async ({ client, assert }) => {
    const response = await client.get('/forgot-password')
    response.assertStatus(200)
    assert.include(response.text(), 'Reset your password')
    assert.match(response.text(), /<input[^>]+name="email"/)
  })

  test('known and unknown emails get the same answer, and only a real account gets mail', async ({
    client,
    assert,
  }) => {
    const user = await givenUser()
    const known = await client
      .post('/forgot-password')
      .form({ email: user.email })
      .withCsrfToken()
      .redirects(0)
    const unknown = await client
      .post('/forgot-password')
      .form({ email: 'nobody@example.test' })
      .withCsrfToken()
      .redirects(0)

    for (const response of [known, unknown]) {
      response.assertStatus(302)
      response.assertHeader('location', '/forgot-password')
      response.assertFlashMessage('success', RESET_REQUESTED_MESSAGE)
    }
    await mailbox.waitFor(user.email, /reset your authentix password/i)
    assert.lengthOf(await db.from('password_reset_tokens').where('user_id', user.id), 1)
    assert.lengthOf(await db.from('password_reset_tokens'), 1)
    assert.isFalse(mailbox.all().some((mail) => mail.to.includes('nobody@example.test')))

    const audit = await db.from('app_audit_logs').where('action', 'auth.password_reset_requested')
    assert.lengthOf(audit, 1)
    assert.equal(audit[0].entity_id, user.id)
  })

  test('the mailed link lets the user choose a new password and log in with it, end to end', async ({
    client,
    assert,
  }) => {
    const user = await givenUser({ email: 'reset-e2e@example.test' })
    const { mail, path } = await requestResetLink(client, user.email)
    assert.include(mail.html, path)

    const form = await client.get(path)
    form.assertStatus(200)
    assert.include(form.text(), 'Choose a new password')
    assert.include(form.text(), user.email)

    const done = await submitNewPassword(client, path, NEW_PASSWORD)
    done.assertStatus(302)
    done.assertHeader('location', '/login')
    done.assertFlashMessage(
      'success',
      'Your password has been changed. Log in with your new password.'
    )

    const { response: withOldPassword } = await logIn(client, user.email, PASSWORD)
    withOldPassword.assertFlashMessage('error')
    const { response } = await logIn(client, user.email, NEW_PASSWORD)
    response.assertHeader('location', '/dashboard')

    const audit = await db
      .from('app_audit_logs')
      .where('action', 'auth.password_reset')
      .where('actor_user_id', user.id)
    assert.lengthOf(audit, 1)
  })

  test('a link works only once', async ({ client, assert }) => {
    const user = await givenUser()
    const { path } = await requestResetLink(client, user.email)
    const used = await submitNewPassword(client, path, NEW_PASSWORD)
    used.assertStatus(302)

    const again = await client.get(path)
    again.assertStatus(410)
    assert.include(again.text(), 'This link has expired or was already used')

    const reuse = await submitNewPassword(client, path, 'yet another passphrase 7')
    reuse.assertStatus(410)
    await user.refresh()
    assert.isTrue(await hash.verify(user.password, NEW_PASSWORD))
  })

  test('an expired link is refused and changes nothing', async ({ client, assert }) => {
    const user = await givenUser()
    const { path, token } = await requestResetLink(client, user.email)
    const record = await PasswordResetToken.findByOrFail('token_hash', hashToken(token))
    record.expiresAt = DateTime.now().minus({ minutes: 1 })
    await record.save()

    const page = await client.get(path)
    page.assertStatus(410)
    assert.include(page.text(), 'This link has expired or was already used')
    const submitted = await submitNewPassword(client, path, NEW_PASSWORD)
    submitted.assertStatus(410)
    await user.refresh()
    assert.isTrue(await hash.verify(user.password, PASSWORD))
  })

  test('links expire one hour after they are sent', async ({ assert }) => {
    const user = await givenUser()
    const before = DateTime.now()
    const result = await RequestPasswordReset.handle({ email: user.email })
    assert.equal(result.kind, 'sent')
    if (result.kind === 'sent') await result.delivery
    const record = await PasswordResetToken.findByOrFail('user_id', user.id)
    assert.closeTo(record.expiresAt.diff(before, 'minutes').minutes, 60, 1)
  })

  test('an unknown token shows the same page as an expired one', async ({ client, assert }) => {
    const response = await client.get('/reset-password/not-a-real-token-at-all')
    response.assertStatus(410)
    assert.include(response.text(), 'This link has expired or was already used')
  })

  test('the raw token is stored nowhere in the database, only its SHA-256', async ({
    client,
    assert,
  }) => {
    const user = await givenUser()
    const { token } = await requestResetLink(client, user.email)
    assert.isAtLeast(Buffer.from(token, 'base64url').length, 16)

    assert.deepEqual(await whereInDatabase(token), [])
    const record = await db.from('password_reset_tokens').where('user_id', user.id).firstOrFail()
    assert.equal(record.token_hash, hashToken(token))

    // Still true after the link has been used.
    await submitNewPassword(client, `/reset-password/${token}`, NEW_PASSWORD)
    assert.deepEqual(await whereInDatabase(token), [])
    assert.deepEqual(await whereInDatabase(NEW_PASSWORD), [])
  })

  test('resetting signs the user out everywhere and voids their other links', async ({
    client,
    assert,
  }) => {
    const user = await givenUser()
    const { sessionId } = await logIn(client, user.email)
    const remembered = await logIn(client, user.email, PASSWORD, { remember: true })
    const rememberToken = String(remembered.response.cookie(REMEMBER_COOKIE)!.value)

    const first = await requestResetLink(client, user.email)
    mailbox.clear()
    const second = await requestResetLink(client, user.email)
    assert.notEqual(first.token, second.token)

    const reset = await submitNewPassword(client, second.path, NEW_PASSWORD)
    reset.assertStatus(302)

    const viaOldSession = await getWithSession(client, '/account', sessionId!)
    viaOldSession.assertHeader('location', '/login')
    const viaRemember = await client
      .get('/account')
      .withEncryptedCookie(REMEMBER_COOKIE, rememberToken)
      .redirects(0)
    viaRemember.assertHeader('location', '/login')
    const firstLink = await client.get(first.path)
    firstLink.assertStatus(410)
  })

  test('the new password must follow the policy and be confirmed', async ({ client, assert }) => {
    const user = await givenUser()
    const { path } = await requestResetLink(client, user.email)

    const common = await submitNewPassword(client, path, 'password1')
    common.assertStatus(302)
    common.assertHeader('location', path)
    common.assertValidationError(
      'password',
      'This password is too common. Choose something less guessable.'
    )

    const short = await submitNewPassword(client, path, 'tiny')
    short.assertValidationError('password', 'Use at least 8 characters.')

    const sameAsEmail = await submitNewPassword(client, path, user.email)
    sameAsEmail.assertValidationError('password', 'Your password cannot be your email address.')

    const mismatch = await submitNewPassword(client, path, NEW_PASSWORD, 'something else entirely')
    mismatch.assertValidationError('password', 'The two passwords do not match.')

    // Nothing was used up by the refusals, and no password was written to the session.
    for (const response of [common, short, sameAsEmail, mismatch]) {
      assert.notProperty(response.flashMessages(), 'password')
      assert.notProperty(response.flashMessages(), 'password_confirmation')
    }
    const resetPage = await client.get(path)
    resetPage.assertStatus(200)
    await user.refresh()
    assert.isTrue(await hash.verify(user.password, PASSWORD))
  })

  test('disabled accounts get no reset mail', async ({ client, assert }) => {
    const user = await givenUser()
    user.disabledAt = DateTime.now()
    await user.save()
    const response = await client
      .post('/forgot-password')
      .form({ email: user.email })
      .withCsrfToken()
      .redirects(0)
    response.assertFlashMessage('success', RESET_REQUESTED_MESSAGE)
    assert.lengthOf(await db.from('password_reset_tokens').where('user_id', user.id), 0)
  })

  test('one account gets at most three reset mails an hour, whatever the IP', async ({
    client,
    assert,
  }) => {
    const user = await givenUser()
    for (const ip of ['198.51.100.10', '198.51.100.11', '198.51.100.12', '198.51.100.13']) {
      const response = await client
        .post('/forgot-password')
        .header('x-forwarded-for', ip)
        .form({ email: user.email })
        .withCsrfToken()
        .redirects(0)
      response.assertFlashMessage('success', RESET_REQUESTED_MESSAGE)
    }
    assert.lengthOf(await db.from('password_reset_tokens').where('user_id', user.id), 3)
  })

  test('one IP asking for more than five reset links in 15 minutes gets a 429 page', async ({
    client,
    assert,
  }) => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const response = await client
        .post('/forgot-password')
        .form({ email: `someone-${attempt}@example.test` })
        .withCsrfToken()
        .redirects(0)
      response.assertStatus(302)
    }
    const refused = await client
      .post('/forgot-password')
      .form({ email: 'someone-6@example.test' })
      .withCsrfToken()
      .redirects(0)
    refused.assertStatus(429)
    assert.include(refused.text(), 'Too many requests')
    assert.include(refused.text(), 'Please wait 15 minutes and try again.')
    assert.isAbove(Number(refused.header('retry-after')), 0)
  })

  test('the reset pages are for signed-out visitors', async ({ client }) => {
    const user = await givenUser()
    const { sessionId } = await logIn(client, user.email)
    const response = await getWithSession(client, '/forgot-password', sessionId!)
    response.assertStatus(302)
    response.assertHeader('location', '/dashboard')
  })

  test('a reset POST without a CSRF token is refused with 403', async ({ client, assert }) => {
    const user = await givenUser()
    const response = await client.post('/forgot-password').form({ email: user.email }).redirects(0)
    response.assertStatus(403)
    assert.lengthOf(await db.from('password_reset_tokens').where('user_id', user.id), 0)
  })
})

test.group('Password reset / user lookup', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('emails are matched case-insensitively', async ({ assert }) => {
    const user = await givenUser()
    const result = await RequestPasswordReset.handle({ email: `  ${user.email.toUpperCase()} ` })
    assert.equal(result.kind, 'sent')
    if (result.kind === 'sent') await result.delivery
    assert.exists(await User.query().where('id', user.id).first())
    assert.lengthOf(await db.from('password_reset_tokens').where('user_id', user.id), 1)
  })
})
