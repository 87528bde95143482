import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import hash from '@adonisjs/core/services/hash'
import { PASSWORD, actingAs, givenOrg } from '#tests/helpers/given'
import { SESSION_COOKIE, getWithSession } from '#tests/helpers/identity'

const VALID = {
  full_name: 'Ananya Gupta',
  email: 'ananya@acme-academy.test',
  password: 'certificates for everyone 2026',
  organization_name: 'Acme Academy',
}

function signUp(client: any, form: Record<string, string>) {
  // The referer is where a refused form is sent back to, as in a browser.
  return client.post('/signup').header('referer', '/signup').form(form).withCsrfToken().redirects(0)
}

test.group('Sign-up page', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('asks for name, email, password and organization', async ({ client, assert }) => {
    const response = await client.get('/signup')
    response.assertStatus(200)
    const html = response.text()
    assert.include(html, 'Create your Authentix account')
    for (const field of ['full_name', 'email', 'password', 'organization_name']) {
      assert.match(html, new RegExp(`<input[^>]+name="${field}"`))
    }
    assert.include(html, 'href="/login"')
  })

  test('creates the account and the org, signs in and lands on the dashboard with a welcome', async ({
    client,
    assert,
  }) => {
    const response = await signUp(client, { ...VALID, email: '  Ananya@Acme-Academy.TEST ' })
    response.assertStatus(302)
    response.assertHeader('location', '/dashboard')
    response.assertFlashMessage(
      'success',
      'Welcome to Authentix! Acme Academy is ready and your 7-day free trial has started.'
    )

    const user = await db.from('users').where('email', 'ananya@acme-academy.test').firstOrFail()
    assert.isTrue(await hash.verify(user.password, VALID.password))
    const org = await db.from('organizations').where('slug', 'acme-academy').firstOrFail()
    const membership = await db
      .from('organization_members')
      .where('organization_id', org.id)
      .where('user_id', user.id)
      .firstOrFail()
    assert.equal(membership.status, 'active')
    response.assertSession('current_org_id', org.id)
    response.assertSession('auth_web', user.id)

    // A real, tagged server-side session: the new user is signed in on the next request.
    const sessionId = response.cookie(SESSION_COOKIE)!.value
    const row = await db.from('sessions').where('id', sessionId).firstOrFail()
    assert.equal(row.user_id, user.id)
    const account = await getWithSession(client, '/account', sessionId)
    account.assertStatus(200)
    assert.include(account.text(), 'Ananya Gupta')
  })

  test('a short password is refused with a clear message', async ({ client, assert }) => {
    const response = await signUp(client, { ...VALID, password: 'short1' })
    response.assertStatus(302)
    response.assertHeader('location', '/signup')
    response.assertValidationError('password', 'Use at least 8 characters.')
    assert.notExists(await db.from('users').where('email', VALID.email).first())
  })

  test('a common password is refused', async ({ client }) => {
    const response = await signUp(client, { ...VALID, password: 'iloveyou' })
    response.assertValidationError(
      'password',
      'This password is too common. Choose something less guessable.'
    )
  })

  test('the email address itself is refused as a password', async ({ client }) => {
    const response = await signUp(client, { ...VALID, password: VALID.email })
    response.assertValidationError('password', 'Your password cannot be your email address.')
  })

  test('a malformed email is refused and the other answers are kept, the password is not', async ({
    client,
    assert,
  }) => {
    const response = await signUp(client, { ...VALID, email: 'ananya-at-acme' })
    response.assertValidationError('email', 'Enter a valid email address, like name@example.com.')
    assert.equal(response.flashMessage('full_name'), VALID.full_name)
    assert.equal(response.flashMessage('organization_name'), VALID.organization_name)
    assert.notProperty(response.flashMessages(), 'password')
  })

  test('missing name and organization are refused', async ({ client }) => {
    const response = await signUp(client, { email: VALID.email, password: VALID.password })
    response.assertValidationError('full_name', 'Enter your full name.')
    response.assertValidationError('organization_name', 'Enter the name of your organization.')
  })

  test('an email that already has an account gets an inline error and nothing is created', async ({
    client,
    assert,
  }) => {
    const { owner } = await givenOrg()
    const before = await db.from('organizations').count('* as total')
    const response = await signUp(client, { ...VALID, email: owner.email.toUpperCase() })
    response.assertStatus(302)
    response.assertHeader('location', '/signup')
    response.assertValidationError(
      'email',
      'An account with this email already exists. Log in, or reset your password if you forgot it.'
    )
    assert.notProperty(response.session(), 'auth_web')
    const after = await db.from('organizations').count('* as total')
    assert.equal(Number(after[0].total), Number(before[0].total))
  })

  test('a sign-up without a CSRF token is refused with 403', async ({ client, assert }) => {
    const response = await client.post('/signup').form(VALID).redirects(0)
    response.assertStatus(403)
    assert.notExists(await db.from('users').where('email', VALID.email).first())
  })

  test('signed-in users visiting the sign-up page go to the dashboard', async ({ client }) => {
    const { org, owner } = await givenOrg()
    const response = await actingAs(client.get('/signup'), owner, org).redirects(0)
    response.assertStatus(302)
    response.assertHeader('location', '/dashboard')
  })
})

test.group('Home page', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('visitors see what Authentix is, with sign-up and log-in buttons', async ({
    client,
    assert,
  }) => {
    const response = await client.get('/')
    response.assertStatus(200)
    const html = response.text()
    assert.include(html, 'Issue certificates people can verify')
    assert.match(html, /<a class="btn btn-primary" href="\/signup">Sign up free<\/a>/)
    assert.match(html, /<a class="btn" href="\/login">Log in<\/a>/)
  })

  test('signed-in users go straight to the dashboard', async ({ client }) => {
    const { org, owner } = await givenOrg()
    const response = await actingAs(client.get('/'), owner, org).redirects(0)
    response.assertStatus(302)
    response.assertHeader('location', '/dashboard')
  })

  test('the password used by the helpers is not on the common list', async ({ assert }) => {
    // Guards the fixtures: every test logging in with PASSWORD relies on it.
    const { isCommonPassword } = await import('#identity/validators/password')
    assert.isFalse(isCommonPassword(PASSWORD))
  })
})
