import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import { visit, pageProblems } from '#tests/helpers/browser'
import { mailbox } from '#tests/helpers/smtp_server'

test.group('Sign up, forget the password, reset it', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a new customer signs up, logs out, resets the password from the mail and logs back in', async ({
    assert,
    cleanup,
  }) => {
    const email = 'kavya.rao@browser-academy.test'
    const { page } = await visit('/', cleanup)

    // Landing page → sign-up form.
    await page.getByRole('link', { name: 'Sign up free' }).click()
    await page.waitForURL('**/signup')
    await page.getByLabel('Full name').fill('Kavya Rao')
    await page.getByLabel('Work email').fill(email)
    await page.getByLabel('Password', { exact: true }).fill('first passphrase for kavya')
    await page.getByLabel('Organization name').fill('Browser Academy')
    await page.getByRole('button', { name: 'Create account' }).click()

    await page.waitForURL('**/dashboard')
    await page.getByRole('heading', { name: 'Browser Academy' }).waitFor()
    assert.include(
      await page.locator('#flash').innerText(),
      'Welcome to Authentix! Browser Academy is ready'
    )

    // Log out → the login page.
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.waitForURL('**/login')
    assert.include(await page.locator('#flash').innerText(), 'You have been logged out.')

    // Forgot password → mail → link.
    await page.getByRole('link', { name: 'Forgot password?' }).click()
    await page.waitForURL('**/forgot-password')
    await page.getByLabel('Email').fill(email)
    await page.getByRole('button', { name: 'Send reset link' }).click()
    await page.getByText('If an account exists for that email, we sent a link').waitFor()

    const mail = await mailbox.waitFor(email, /reset your authentix password/i)
    // The path only: APP_URL in a developer's .env may name another port than the test server's.
    const link = new URL(mailbox.linkIn(mail, '/reset-password/'))
    await page.goto(link.pathname)
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor()
    await page.getByLabel('New password', { exact: true }).fill('second passphrase for kavya')
    await page.getByLabel('Confirm new password').fill('second passphrase for kavya')
    await page.getByRole('button', { name: 'Set new password' }).click()

    await page.waitForURL('**/login')
    await page.getByText('Your password has been changed. Log in with your new password.').waitFor()

    // The new password works.
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill('second passphrase for kavya')
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.waitForURL('**/dashboard')
    await page.getByRole('heading', { name: 'Browser Academy' }).waitFor()

    // No script errors or CSP violations along the way.
    assert.deepEqual(pageProblems(page), [])
  })
})
