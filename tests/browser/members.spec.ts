import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import { pageProblems, visit } from '#tests/helpers/browser'
import { logInThroughForm } from '#tests/helpers/browser_login'
import { givenMember, givenOrg } from '#tests/helpers/given'
import { auditRows, membershipOf } from '#tests/helpers/orgs'

test.group('Managing members in the browser', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('an owner suspends a member, whose open session loses the org on the next page, then reactivates them', async ({
    assert,
    cleanup,
  }) => {
    const { org, owner } = await givenOrg({ name: 'Suspend Browser Academy' })
    const { user: ravi } = await givenMember(org, 'member', {
      email: 'ravi.kumar@suspend-browser.test',
    })

    // Ravi is already signed in, in his own browser.
    const { page: raviPage } = await visit('/login', cleanup)
    await logInThroughForm(raviPage, ravi.email)
    await raviPage.getByRole('heading', { name: 'Suspend Browser Academy' }).waitFor()

    // The owner suspends him from his manage page.
    const { page: ownerPage } = await visit('/login', cleanup)
    await logInThroughForm(ownerPage, owner.email)
    await ownerPage
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Members' })
      .click()
    await ownerPage.waitForURL('**/members')
    await ownerPage
      .locator('#members-table tr', { hasText: ravi.email })
      .getByRole('link', { name: 'Manage' })
      .click()
    await ownerPage.waitForURL('**/members/*/edit')
    await ownerPage.getByLabel('Status').selectOption({ label: 'Suspended' })
    await ownerPage.getByRole('button', { name: 'Save changes' }).click()

    await ownerPage.waitForURL('**/members')
    assert.include(
      await ownerPage.locator('#flash').innerText(),
      "Test Person's membership was updated."
    )
    const row = ownerPage.locator('#members-table tr', { hasText: ravi.email })
    const suspendedBadge = await row.locator('.badge-warn').innerText()
    assert.equal(suspendedBadge.trim(), 'Suspended')
    const suspended = await membershipOf(org, ravi)
    assert.equal(suspended.status, 'suspended')
    assert.lengthOf(await auditRows(org, 'member.suspended'), 1)

    // Ravi's next navigation no longer opens the org: he has no active membership left.
    await raviPage
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Members' })
      .click()
    await raviPage.waitForURL('**/organizations/new')
    await raviPage
      .getByRole('heading', { name: "You're not a member of any organization yet" })
      .waitFor()
    assert.notInclude(await raviPage.content(), 'Suspend Browser Academy')

    // The owner reactivates him; his same session gets the org back.
    await row.getByRole('link', { name: 'Manage' }).click()
    await ownerPage.waitForURL('**/members/*/edit')
    assert.include(await ownerPage.locator('.page-header').innerText(), 'Suspended')
    await ownerPage.getByLabel('Status').selectOption({ label: 'Active' })
    await ownerPage.getByRole('button', { name: 'Save changes' }).click()
    await ownerPage.waitForURL('**/members')
    const activeBadge = await ownerPage
      .locator('#members-table tr', { hasText: ravi.email })
      .locator('.badge-ok')
      .innerText()
    assert.equal(activeBadge.trim(), 'Active')
    const reactivated = await membershipOf(org, ravi)
    assert.equal(reactivated.status, 'active')
    assert.lengthOf(await auditRows(org, 'member.reactivated'), 1)

    // Back in: the logo of the page he was left on takes him to his dashboard.
    await raviPage.getByRole('link', { name: 'Authentix', exact: true }).click()
    await raviPage.waitForURL('**/dashboard')
    await raviPage.getByRole('heading', { name: 'Suspend Browser Academy' }).waitFor()

    assert.deepEqual(pageProblems(ownerPage), [])
    assert.deepEqual(pageProblems(raviPage), [])
  })

  test('demoting the only owner is refused with an error on the manage page and changes nothing', async ({
    assert,
    cleanup,
  }) => {
    const { org, owner } = await givenOrg({ name: 'Last Owner Academy' })
    await givenMember(org, 'admin')

    const { page } = await visit('/login', cleanup)
    await logInThroughForm(page, owner.email)
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Members' })
      .click()
    await page.waitForURL('**/members')
    await page
      .locator('#members-table tr', { hasText: owner.email })
      .getByRole('link', { name: 'Manage' })
      .click()
    await page.waitForURL('**/members/*/edit')
    const editUrl = page.url()

    await page.getByLabel('Role').selectOption({ label: 'Admin' })
    await page.getByRole('button', { name: 'Save changes' }).click()

    await page
      .getByText('Owner Person is the only active owner. Make another member an owner first')
      .waitFor()
    assert.equal(page.url(), editUrl)
    assert.include(
      await page.locator('#flash').innerText(),
      'every organization keeps at least one'
    )
    const membership = await membershipOf(org, owner)
    assert.equal(membership.role.key, 'owner')
    assert.equal(membership.status, 'active')
    assert.lengthOf(await auditRows(org, 'member.role_changed'), 0)

    assert.deepEqual(pageProblems(page), [])
  })
})
