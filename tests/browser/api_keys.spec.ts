import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import { baseUrl, pageProblems, visit } from '#tests/helpers/browser'
import { givenOrg, PASSWORD } from '#tests/helpers/given'

test.group('API keys in the browser', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('an owner creates a key, copies it from the page, and the API answers with the org', async ({
    assert,
    cleanup,
  }) => {
    const { org, owner } = await givenOrg({ name: 'Key Browser Academy' })

    const { page, context } = await visit('/login', cleanup)
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl() })
    await page.getByLabel('Email').fill(owner.email)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.waitForURL('**/dashboard')

    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'API keys' })
      .click()
    await page.waitForURL('**/api-keys')
    await page.getByLabel('Key name').fill('LMS integration')
    await page.getByRole('button', { name: 'Create key' }).click()
    await page.locator('#new-api-key').waitFor()
    assert.include(await page.locator('#flash').innerText(), 'will not be shown again')

    // Copy it the way a person would: the copy button puts it on the clipboard.
    await page.getByRole('button', { name: 'Copy key' }).click()
    await page.getByRole('button', { name: 'Copied' }).waitFor()
    const copied = await page.evaluate(
      () => (globalThis as any).navigator.clipboard.readText() as Promise<string>
    )
    assert.match(copied, /^atx_[A-Za-z0-9_-]{43}$/)
    const shownKey = await page.locator('#new-api-key').innerText()
    assert.equal(copied, shownKey.trim())

    const row = page.locator('#api-keys-table tr', { hasText: 'LMS integration' })
    assert.include(await row.innerText(), copied.slice(0, 12))
    assert.include(await row.innerText(), 'Active')

    const response = await fetch(`${baseUrl()}/api/v1/org`, {
      headers: { authorization: `Bearer ${copied}` },
    })
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), {
      id: org.id,
      name: 'Key Browser Academy',
      slug: org.slug,
      application_id: org.applicationId,
    })

    // Reloading never shows the key again.
    await page.reload()
    await page.locator('#api-keys-table').waitFor()
    assert.equal(await page.locator('#new-api-key').count(), 0)
    assert.notInclude(await page.content(), copied)

    // Revoking it (after confirming) cuts the integration off.
    page.once('dialog', (dialog) => dialog.accept())
    await page
      .locator('#api-keys-table tr', { hasText: 'LMS integration' })
      .getByRole('button', { name: 'Revoke' })
      .click()
    await page.getByText('API key “LMS integration” revoked.').waitFor()
    const refused = await fetch(`${baseUrl()}/api/v1/org`, {
      headers: { authorization: `Bearer ${copied}` },
    })
    assert.equal(refused.status, 401)

    assert.deepEqual(pageProblems(page), [])
  })
})
