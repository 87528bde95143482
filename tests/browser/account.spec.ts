import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import hash from '@adonisjs/core/services/hash'
import User from '#identity/models/user'
import { pageProblems, visit } from '#tests/helpers/browser'
import { logInThroughForm } from '#tests/helpers/browser_login'
import { mailbox } from '#tests/helpers/smtp_server'
import { givenOrg, PASSWORD } from '#tests/helpers/given'

const NEW_PASSWORD = 'lantern harbour seventeen'

test.group('Account settings in the browser', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a user changes their password (after a wrong current one), logs back in with it, then changes their email and the old address is told', async ({
    assert,
    cleanup,
  }) => {
    const oldEmail = 'nisha.verma@account-browser.test'
    const newEmail = 'nisha@new-account-browser.test'
    const { owner } = await givenOrg({ name: 'Account Browser Academy', ownerEmail: oldEmail })

    const { page } = await visit('/login', cleanup)
    await logInThroughForm(page, oldEmail)
    await page.locator('.topbar').getByRole('link', { name: oldEmail }).click()
    await page.waitForURL('**/account')
    await page.getByRole('heading', { name: 'Your account' }).waitFor()

    // A wrong current password: inline error, nothing changes.
    await page.getByLabel('Current password').fill('not my password at all')
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD)
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD)
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.locator('#current_password-error').waitFor()
    const currentPasswordError = await page.locator('#current_password-error').innerText()
    assert.equal(currentPasswordError.trim(), 'That is not your current password.')
    assert.equal(await page.getByLabel('Current password').getAttribute('aria-invalid'), 'true')
    const unchanged = await User.findOrFail(owner.id)
    assert.isTrue(await hash.verify(unchanged.password, PASSWORD))

    // The right one: changed.
    await page.getByLabel('Current password').fill(PASSWORD)
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD)
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD)
    await page.getByRole('button', { name: 'Change password' }).click()
    await page
      .getByText('Your password has been changed. Other devices have been signed out.')
      .waitFor()
    assert.equal(await page.locator('#current_password-error').count(), 0)
    const changed = await User.findOrFail(owner.id)
    assert.isTrue(await hash.verify(changed.password, NEW_PASSWORD))
    assert.isFalse(await hash.verify(changed.password, PASSWORD))

    // Log out, log in with the new password.
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.waitForURL('**/login')
    await logInThroughForm(page, oldEmail, NEW_PASSWORD)
    await page.getByRole('heading', { name: 'Account Browser Academy' }).waitFor()

    // Change the email, confirming with the password.
    await page.locator('.topbar').getByRole('link', { name: oldEmail }).click()
    await page.waitForURL('**/account')
    await page.getByLabel('New email address').fill(newEmail)
    await page.getByLabel('Your password').fill(NEW_PASSWORD)
    await page.getByRole('button', { name: 'Change email' }).click()
    await page
      .getByText(`Your email is now ${newEmail}. We sent a notice to ${oldEmail}.`)
      .waitFor()
    assert.include(await page.locator('.topbar').innerText(), newEmail)
    const withNewEmail = await User.findOrFail(owner.id)
    assert.equal(withNewEmail.email, newEmail)

    const notice = await mailbox.waitFor(oldEmail, /email address was changed/i)
    assert.include(notice.text, newEmail)

    assert.deepEqual(pageProblems(page), [])
  })
})
