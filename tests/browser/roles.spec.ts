import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import OrganizationRole from '#orgs/models/organization_role'
import { pageProblems, visit } from '#tests/helpers/browser'
import { logInThroughForm, sidebarLinks } from '#tests/helpers/browser_login'
import { givenMember, givenOrg } from '#tests/helpers/given'
import { membershipOf } from '#tests/helpers/orgs'

test.group('Custom roles in the browser', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('an owner creates a custom role, gives it to a member, and that member sees and reaches only what it allows', async ({
    assert,
    cleanup,
  }) => {
    const { org, owner } = await givenOrg({ name: 'Role Browser Academy' })
    const { user: issuer } = await givenMember(org, 'member', {
      email: 'meera.iyer@role-browser.test',
    })

    // The owner creates "Certificate issuer" with two permissions ticked.
    const { page: ownerPage } = await visit('/login', cleanup)
    await logInThroughForm(ownerPage, owner.email)
    await ownerPage
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Roles' })
      .click()
    await ownerPage.waitForURL('**/roles')
    await ownerPage.getByRole('link', { name: 'New role' }).first().click()
    await ownerPage.waitForURL('**/roles/new')
    await ownerPage.getByLabel('Name', { exact: true }).fill('Certificate issuer')
    await ownerPage
      .getByLabel('Description')
      .fill('Generates and downloads certificates, nothing else.')
    await ownerPage.getByRole('checkbox', { name: /certificates\.issue/ }).check()
    await ownerPage.getByRole('checkbox', { name: /certificates\.download/ }).check()
    await ownerPage.getByRole('button', { name: 'Create role' }).click()

    await ownerPage.waitForURL('**/roles')
    assert.include(
      await ownerPage.locator('#flash').innerText(),
      'Role "Certificate issuer" created.'
    )
    const roleRow = ownerPage.locator('#custom-roles tr', { hasText: 'Certificate issuer' })
    const roleRowText = await roleRow.innerText()
    assert.include(roleRowText, 'certificates.issue')
    assert.include(roleRowText, 'certificates.download')
    assert.notInclude(roleRowText, 'api_keys.manage')

    const role = await OrganizationRole.query()
      .where('organization_id', org.id)
      .where('name', 'Certificate issuer')
      .firstOrFail()
    assert.isFalse(role.isSystem)
    assert.sameMembers(await role.permissions(), ['certificates.issue', 'certificates.download'])

    // It goes to a member from their manage page.
    await ownerPage
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Members' })
      .click()
    await ownerPage.waitForURL('**/members')
    await ownerPage
      .locator('#members-table tr', { hasText: issuer.email })
      .getByRole('link', { name: 'Manage' })
      .click()
    await ownerPage.waitForURL('**/members/*/edit')
    await ownerPage.getByLabel('Role').selectOption({ label: 'Certificate issuer (custom)' })
    await ownerPage.getByRole('button', { name: 'Save changes' }).click()

    await ownerPage.waitForURL('**/members')
    assert.include(await ownerPage.locator('#flash').innerText(), 'membership was updated')
    const memberRow = ownerPage.locator('#members-table tr', { hasText: issuer.email })
    assert.include(await memberRow.innerText(), 'Certificate issuer')
    const issuerMembership = await membershipOf(org, issuer)
    assert.equal(issuerMembership.roleId, role.id)

    // The member, in their own browser, sees only what the role allows.
    const { page: issuerPage } = await visit('/login', cleanup)
    await logInThroughForm(issuerPage, issuer.email)
    assert.deepEqual(await sidebarLinks(issuerPage), [
      'Dashboard',
      'Generation jobs',
      'Certificates',
      'Members',
    ])

    assert.deepEqual(pageProblems(issuerPage), [])

    // Typing the address of a page the role does not cover gives the 403 page.
    const refused = await issuerPage.goto('/api-keys')
    assert.equal(refused?.status(), 403)
    await issuerPage.getByRole('heading', { name: "You don't have access to this" }).waitFor()
    assert.notInclude(await issuerPage.content(), 'Create key')

    assert.deepEqual(pageProblems(ownerPage), [])
    // Chromium logs the refused document itself; nothing else (no script error, no CSP report).
    assert.deepEqual(pageProblems(issuerPage), [
      'console error: Failed to load resource: the server responded with a status of 403 (Forbidden)',
    ])
  })
})
