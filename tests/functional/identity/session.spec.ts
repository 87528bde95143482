import { GUEST_SESSION_COOKIE } from '#core/services/session_store'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import AuditLog from '#core/models/audit_log'
import DisableUser from '#identity/actions/disable_user'
import { LOGIN_THROTTLE } from '#identity/actions/attempt_login'
import {
  DISABLED_MESSAGE,
  INVALID_CREDENTIALS_MESSAGE,
} from '#identity/controllers/session_controller'
import { PASSWORD, actingAs, givenOrg, givenUser } from '#tests/helpers/given'
import { withSessionId } from '#tests/helpers/database_session_client'
import { REMEMBER_COOKIE, SESSION_COOKIE, getWithSession, logIn } from '#tests/helpers/identity'

test.group('Login', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('the login page offers email, password, remember me and the way to a new password', async ({
    client,
    assert,
  }) => {
    const response = await client.get('/login')
    response.assertStatus(200)
    const html = response.text()
    assert.include(html, 'Log in to Authentix')
    assert.match(html, /<input[^>]+name="email"/)
    assert.match(html, /<input[^>]+name="password"[^>]+type="password"/)
    assert.match(html, /<input type="checkbox" name="remember_me"/)
    assert.include(html, 'href="/forgot-password"')
    assert.include(html, 'href="/signup"')
  })

  test('the right password signs in, records the login and goes to the dashboard', async ({
    client,
    assert,
  }) => {
    const { owner } = await givenOrg()
    const { response, sessionId } = await logIn(client, owner.email.toUpperCase())

    response.assertStatus(302)
    response.assertHeader('location', '/dashboard')
    assert.exists(sessionId)
    await owner.refresh()
    assert.isNotNull(owner.lastLoginAt)

    const account = await getWithSession(client, '/account', sessionId!)
    account.assertStatus(200)
    assert.include(account.text(), owner.email)

    // Tagged with the user, so it can be revoked later.
    const row = await db.from('sessions').where('id', sessionId!).firstOrFail()
    assert.equal(row.user_id, owner.id)
  })

  test('a wrong password and an unknown email get the same answer', async ({ client, assert }) => {
    const { owner } = await givenOrg()
    const wrongPassword = await logIn(client, owner.email, 'not-the-password')
    const unknownEmail = await logIn(client, 'nobody-here@example.test', 'not-the-password')

    for (const { response } of [wrongPassword, unknownEmail]) {
      response.assertStatus(302)
      response.assertHeader('location', '/login')
      response.assertFlashMessage('error', INVALID_CREDENTIALS_MESSAGE)
      assert.notProperty(response.session(), 'auth_web')
    }
    // The email is kept for the next try, the password is not.
    assert.equal(wrongPassword.response.flashMessage('email'), owner.email)
    assert.notProperty(wrongPassword.response.flashMessages(), 'password')
  })

  test('ticking "remember me" sets a long-lived cookie whose token is stored only as a hash', async ({
    client,
    assert,
  }) => {
    const user = await givenUser()
    const { response } = await logIn(client, user.email, PASSWORD, { remember: true })
    response.assertStatus(302)

    const cookie = response.cookie(REMEMBER_COOKIE)
    assert.exists(cookie)
    assert.isAbove(Number(cookie!.maxAge), 29 * 24 * 3600)
    const tokens = await db.from('remember_me_tokens').where('tokenable_id', user.id)
    assert.lengthOf(tokens, 1)
    assert.notInclude(String(cookie!.value), tokens[0].hash)
  })

  test('without "remember me" no remember-me token is created', async ({ client, assert }) => {
    const user = await givenUser()
    const { response } = await logIn(client, user.email)
    response.assertStatus(302)
    assert.isNotOk(response.cookie(REMEMBER_COOKIE)?.value)
    const tokens = await db.from('remember_me_tokens').where('tokenable_id', user.id)
    assert.lengthOf(tokens, 0)
  })

  test('a remember-me cookie alone restores a session, which is tagged with the user', async ({
    client,
    assert,
  }) => {
    const user = await givenUser()
    const { response } = await logIn(client, user.email, PASSWORD, { remember: true })
    const rememberToken = String(response.cookie(REMEMBER_COOKIE)!.value)

    const restored = await client
      .get('/account')
      .withEncryptedCookie(REMEMBER_COOKIE, rememberToken)
      .redirects(0)
    restored.assertStatus(200)
    const newSessionId = restored.cookie(SESSION_COOKIE)!.value
    const row = await db.from('sessions').where('id', newSessionId).firstOrFail()
    assert.equal(row.user_id, user.id)
  })

  test('logging in gives the browser a new session id and discards the old one', async ({
    client,
    assert,
  }) => {
    const user = await givenUser()
    const page = await client.get('/login')
    const before = page.cookie(SESSION_COOKIE)!.value
    // A guest's session (the form's CSRF secret) is a cookie, not a row.
    assert.equal(page.cookie(GUEST_SESSION_COOKIE)?.value?.id, before)
    assert.notExists(await db.from('sessions').where('id', before).first())

    const response = await withSessionId(
      client.post('/login').form({ email: user.email, password: PASSWORD }).withCsrfToken(),
      before
    ).redirects(0)
    response.assertStatus(302)
    const after = response.cookie(SESSION_COOKIE)!.value
    assert.notEqual(after, before)
    assert.notExists(await db.from('sessions').where('id', before).first())
    // Signed in: a row, tagged with the user.
    const row = await db.from('sessions').where('id', after).first()
    assert.equal(row?.user_id, user.id)

    const withOldCookie = await getWithSession(client, '/account', before)
    withOldCookie.assertStatus(302)
    withOldCookie.assertHeader('location', '/login')
  })

  test('after logout the old session cookie no longer signs anyone in', async ({
    client,
    assert,
  }) => {
    const user = await givenUser()
    const { sessionId } = await logIn(client, user.email)
    const beforeLogout = await getWithSession(client, '/account', sessionId!)
    beforeLogout.assertStatus(200)

    const logout = await withSessionId(
      client.post('/logout').withCsrfToken(),
      sessionId!
    ).redirects(0)
    logout.assertStatus(302)
    logout.assertHeader('location', '/login')
    logout.assertFlashMessage('success', 'You have been logged out.')
    assert.notEqual(logout.cookie(SESSION_COOKIE)!.value, sessionId)
    assert.notExists(await db.from('sessions').where('id', sessionId!).first())

    const replay = await getWithSession(client, '/account', sessionId!)
    replay.assertStatus(302)
    replay.assertHeader('location', '/login')

    const audit = await db
      .from('app_audit_logs')
      .where('action', 'auth.logout')
      .where('actor_user_id', user.id)
    assert.lengthOf(audit, 1)
  })

  test('logout also revokes the remember-me token of that browser', async ({ client, assert }) => {
    const user = await givenUser()
    const { response, sessionId } = await logIn(client, user.email, PASSWORD, { remember: true })
    const rememberToken = String(response.cookie(REMEMBER_COOKIE)!.value)

    await withSessionId(client.post('/logout').withCsrfToken(), sessionId!)
      .withEncryptedCookie(REMEMBER_COOKIE, rememberToken)
      .redirects(0)
    assert.lengthOf(await db.from('remember_me_tokens').where('tokenable_id', user.id), 0)

    const replay = await client
      .get('/account')
      .withEncryptedCookie(REMEMBER_COOKIE, rememberToken)
      .redirects(0)
    replay.assertStatus(302)
    replay.assertHeader('location', '/login')
  })

  test('a disabled account cannot log in, even with the right password', async ({
    client,
    assert,
  }) => {
    const user = await givenUser()
    await DisableUser.handle({ user, reason: 'test' })
    const { response } = await logIn(client, user.email)
    response.assertStatus(302)
    response.assertHeader('location', '/login')
    response.assertFlashMessage('error', DISABLED_MESSAGE)
    assert.notProperty(response.session(), 'auth_web')

    const failure = await AuditLog.query()
      .where('action', 'auth.login_failed')
      .where('actor_user_id', user.id)
      .firstOrFail()
    assert.equal(failure.metadata?.reason, 'account_disabled')
  })

  test('disabling an account ends its open sessions and remember-me tokens on the next request', async ({
    client,
    assert,
  }) => {
    const user = await givenUser()
    const { sessionId } = await logIn(client, user.email)
    const remembered = await logIn(client, user.email, PASSWORD, { remember: true })
    const rememberToken = String(remembered.response.cookie(REMEMBER_COOKIE)!.value)
    const signedIn = await getWithSession(client, '/account', sessionId!)
    signedIn.assertStatus(200)
    assert.lengthOf(await db.from('sessions').where('user_id', user.id), 2)

    await DisableUser.handle({ user, reason: 'left the company' })

    assert.lengthOf(await db.from('sessions').where('user_id', user.id), 0)
    assert.lengthOf(await db.from('remember_me_tokens').where('tokenable_id', user.id), 0)
    const withSession = await getWithSession(client, '/account', sessionId!)
    withSession.assertStatus(302)
    withSession.assertHeader('location', '/login')
    const withRemember = await client
      .get('/account')
      .withEncryptedCookie(REMEMBER_COOKIE, rememberToken)
      .redirects(0)
    withRemember.assertStatus(302)
    withRemember.assertHeader('location', '/login')

    const audit = await db
      .from('app_audit_logs')
      .where('action', 'user.disabled')
      .where('entity_id', user.id)
    assert.lengthOf(audit, 1)
  })

  test('a session that survives disabling (any store) is still refused by the auth middleware', async ({
    client,
  }) => {
    const user = await givenUser()
    user.disabledAt = DateTime.now()
    await user.save()
    const response = await actingAs(client.get('/account'), user).redirects(0)
    response.assertStatus(302)
    response.assertHeader('location', '/login')
    response.assertFlashMessage('error', 'This account has been disabled.')
  })

  test('login sends the user back to the page they asked for', async ({ client, assert }) => {
    const asked = await client.get('/account?tab=password').redirects(0)
    asked.assertStatus(302)
    assert.match(asked.header('location') ?? '', /^\/login/)
    asked.assertSession('intended_url', '/account?tab=password')

    const user = await givenUser()
    const response = await client
      .post('/login')
      .withSession({ intended_url: '/account?tab=password' })
      .form({ email: user.email, password: PASSWORD })
      .withCsrfToken()
      .redirects(0)
    response.assertHeader('location', '/account?tab=password')
  })

  test('an intended URL pointing to another site is ignored', async ({ client }) => {
    const user = await givenUser()
    const response = await client
      .post('/login')
      .withSession({ intended_url: '//evil.example/phish' })
      .form({ email: user.email, password: PASSWORD })
      .withCsrfToken()
      .redirects(0)
    response.assertHeader('location', '/dashboard')
  })

  test('a login POST without a CSRF token is refused with 403', async ({ client, assert }) => {
    const user = await givenUser()
    const response = await client
      .post('/login')
      .form({ email: user.email, password: PASSWORD })
      .redirects(0)
    response.assertStatus(403)
    assert.notProperty(response.session(), 'auth_web')
  })

  test('signed-in users visiting the login page go to the dashboard', async ({ client }) => {
    const { org, owner } = await givenOrg()
    const response = await actingAs(client.get('/login'), owner, org).redirects(0)
    response.assertStatus(302)
    response.assertHeader('location', '/dashboard')
  })
})

test.group('Login audit', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('successful and failed logins are audited with IP and user agent, never the password', async ({
    client,
    assert,
  }) => {
    const user = await givenUser()
    await client
      .post('/login')
      .header('user-agent', 'AuditTest/1.0')
      .header('x-forwarded-for', '203.0.113.7')
      .form({ email: user.email, password: 'a-wrong-guess-123' })
      .withCsrfToken()
      .redirects(0)
    await logIn(client, user.email, PASSWORD, { ip: '203.0.113.7' })

    const failed = await db
      .from('app_audit_logs')
      .where('action', 'auth.login_failed')
      .firstOrFail()
    assert.equal(failed.severity, 'warning')
    assert.equal(failed.ip_address, '203.0.113.7')
    assert.equal(failed.user_agent, 'AuditTest/1.0')
    const metadata =
      typeof failed.metadata === 'string' ? JSON.parse(failed.metadata) : failed.metadata
    assert.equal(metadata.email, user.email)
    assert.notInclude(JSON.stringify(failed), 'a-wrong-guess-123')

    const success = await db.from('app_audit_logs').where('action', 'auth.login').firstOrFail()
    assert.equal(success.severity, 'info')
    assert.equal(success.actor_user_id, user.id)
    assert.equal(success.ip_address, '203.0.113.7')
    assert.notInclude(JSON.stringify(success), PASSWORD)
  })
})

test.group('Login throttling', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('the sixth failed login for one account within 15 minutes answers 429, even with the right password', async ({
    client,
    assert,
  }) => {
    const user = await givenUser()
    for (let attempt = 1; attempt <= LOGIN_THROTTLE.perAccount.requests; attempt++) {
      const { response } = await logIn(client, user.email, `wrong-guess-${attempt}`)
      response.assertStatus(302)
    }
    const { response } = await logIn(client, user.email, PASSWORD)
    response.assertStatus(429)
    assert.match(response.text(), /Too many failed attempts[\s\S]*try again in 15 minutes/)
    assert.closeTo(Number(response.header('retry-after')), 15 * 60, 5)
    assert.notProperty(response.session(), 'auth_web')

    const throttled = await db.from('app_audit_logs').where('action', 'auth.login_throttled')
    assert.lengthOf(throttled, 1)
  })

  test('the account limit is per IP: the same account from another address can still log in', async ({
    client,
  }) => {
    const user = await givenUser()
    for (let attempt = 1; attempt <= LOGIN_THROTTLE.perAccount.requests; attempt++) {
      await logIn(client, user.email, `wrong-guess-${attempt}`, { ip: '198.51.100.1' })
    }
    const { response: sameIp } = await logIn(client, user.email, PASSWORD, { ip: '198.51.100.1' })
    sameIp.assertStatus(429)
    const elsewhere = await logIn(client, user.email, PASSWORD, { ip: '198.51.100.2' })
    elsewhere.response.assertStatus(302)
    elsewhere.response.assertHeader('location', '/dashboard')
  })

  test('a successful login clears the failures counted for that account', async ({ client }) => {
    const user = await givenUser()
    const almost = LOGIN_THROTTLE.perAccount.requests - 1
    for (let attempt = 1; attempt <= almost; attempt++)
      await logIn(client, user.email, `wrong-${attempt}`)
    const { response: success } = await logIn(client, user.email)
    success.assertStatus(302)
    for (let attempt = 1; attempt <= almost; attempt++)
      await logIn(client, user.email, `wrong-again-${attempt}`)
    const { response } = await logIn(client, user.email)
    response.assertStatus(302)
    response.assertHeader('location', '/dashboard')
  })

  test('one IP failing across many accounts is stopped too', async ({ client }) => {
    const user = await givenUser()
    const ip = '192.0.2.50'
    for (let attempt = 1; attempt <= LOGIN_THROTTLE.perIp.requests; attempt++) {
      await logIn(client, `nobody-${attempt}@example.test`, 'whatever-guess', { ip })
    }
    const { response: sameIp } = await logIn(client, user.email, PASSWORD, { ip })
    sameIp.assertStatus(429)
    const { response: otherIp } = await logIn(client, user.email, PASSWORD, { ip: '192.0.2.51' })
    otherIp.assertStatus(302)
  })
})
