import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { uniqueUsername } from '#orgs/actions/create_organization'
import Organization from '#orgs/models/organization'
import OrganizationMember from '#orgs/models/organization_member'
import { pageProblems, visit } from '#tests/helpers/browser'
import { logInThroughForm } from '#tests/helpers/browser_login'
import { givenMember, givenOrg, roleOf } from '#tests/helpers/given'
import { membershipOf } from '#tests/helpers/orgs'

test.group('Switching organizations in the browser', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a member of two orgs switches with the top-bar switcher, sees the other team, and creates a third org', async ({
    assert,
    cleanup,
  }) => {
    const { owner: priya } = await givenOrg({
      name: 'Ashoka Institute',
      ownerEmail: 'priya.nair@switcher-browser.test',
    })
    const { org: second, owner: secondOwner } = await givenOrg({ name: 'Bodhi Skills Council' })
    const { user: zoya } = await givenMember(second, 'member', {
      email: 'zoya.khan@switcher-browser.test',
    })
    const memberRole = await roleOf(second, 'member')
    const joined = await db.transaction(async (trx) =>
      OrganizationMember.create(
        {
          organizationId: second.id,
          userId: priya.id,
          username: await uniqueUsername(second.id, priya.email, trx),
          roleId: memberRole.id,
          status: 'active',
        },
        { client: trx }
      )
    )
    // Joined later than she founded her own org (timestamps can tie within a test), so that one opens first.
    joined.createdAt = DateTime.now().plus({ minutes: 1 })
    await joined.save()

    // Priya lands in her first org.
    const { page } = await visit('/login', cleanup)
    await logInThroughForm(page, priya.email)
    await page.getByRole('heading', { name: 'Ashoka Institute', level: 1 }).waitFor()
    const switcher = page.getByRole('combobox', { name: 'Organization', exact: true })
    assert.equal(await switcher.locator('option:checked').innerText(), 'Ashoka Institute')

    // Choosing the other org submits by itself (app.js) and lands on its dashboard.
    await switcher.selectOption({ label: 'Bodhi Skills Council' })
    await page.getByRole('heading', { name: 'Bodhi Skills Council', level: 1 }).waitFor()
    assert.include(await page.locator('#flash').innerText(), 'Switched to Bodhi Skills Council.')
    assert.equal(new URL(page.url()).pathname, '/dashboard')
    assert.equal(
      await page
        .getByRole('combobox', { name: 'Organization', exact: true })
        .locator('option:checked')
        .innerText(),
      'Bodhi Skills Council'
    )
    const [session] = await db.from('sessions').where('user_id', priya.id)
    assert.include(session.data, second.id)

    // The members page is the second org's team.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Members' })
      .click()
    await page.waitForURL('**/members')
    assert.include(
      await page.locator('.page-header').innerText(),
      'Everyone with access to Bodhi Skills Council.'
    )
    const emails = await page.locator('#members-table tbody tr td:nth-child(2)').allInnerTexts()
    assert.sameMembers(
      emails.map((e) => e.trim()),
      [secondOwner.email, zoya.email, priya.email]
    )

    // "+ New organization" creates a third one, owned by Priya, and opens it.
    await page.getByRole('link', { name: '+ New organization' }).click()
    await page.waitForURL('**/organizations/new')
    await page.getByRole('heading', { name: 'Create another organization' }).waitFor()
    await page.getByLabel('Organization name').fill('Chanakya Learning Labs')
    await page.getByRole('button', { name: 'Create organization' }).click()
    await page.waitForURL('**/dashboard')
    await page.getByRole('heading', { name: 'Chanakya Learning Labs', level: 1 }).waitFor()
    assert.include(await page.locator('#flash').innerText(), 'Chanakya Learning Labs is ready.')

    const third = await Organization.findByOrFail('name', 'Chanakya Learning Labs')
    const ownership = await membershipOf(third, priya)
    assert.equal(ownership.role.key, 'owner')
    assert.equal(ownership.status, 'active')
    const switcherOptions = await page
      .getByRole('combobox', { name: 'Organization', exact: true })
      .locator('option')
      .allInnerTexts()
    assert.sameMembers(switcherOptions, [
      'Ashoka Institute',
      'Bodhi Skills Council',
      'Chanakya Learning Labs',
    ])
    assert.equal(
      await page
        .getByRole('combobox', { name: 'Organization', exact: true })
        .locator('option:checked')
        .innerText(),
      'Chanakya Learning Labs'
    )

    assert.deepEqual(pageProblems(page), [])
  })
})
