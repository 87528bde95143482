import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import type { Page } from 'playwright-core'
import { pageProblems, pastTheEdge, sidewaysScroll, visit } from '#tests/helpers/browser'
import { logInThroughForm } from '#tests/helpers/browser_login'
import { givenOrg } from '#tests/helpers/given'
import { seriousAxeFindings } from '#tests/helpers/axe'
import { givenIssuedJob, learners } from '#tests/helpers/delivery_jobs'

/*
| The signed-in app on a 390 px phone: nothing needs a sideways pan, the
| account page and "New organization" are reachable from the top bar, the
| section strip opens on the section the user is in, and the certificates
| list shows every row's status on screen; axe finds nothing serious.
*/
const PHONE = { width: 390, height: 844 }

async function assertNoPan(page: Page, what: string) {
  const pan = await sidewaysScroll(page)
  const culprits = pan > 0 ? await pastTheEdge(page) : []
  if (pan > 0) throw new Error(`${what} pans ${pan} px sideways: ${culprits.join(', ')}`)
}

/** Whether the element is wholly inside the screen's width. */
async function withinScreen(page: Page, selector: string) {
  const box = await page.locator(selector).first().boundingBox()
  return !!box && box.x >= 0 && box.x + box.width <= PHONE.width + 0.5
}

test.group('The app on a phone', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('at 390 px: no page pans sideways, the account page and New organization are reachable, the strip shows the current section, every certificate shows its status, and axe finds nothing serious', async ({
    assert,
    cleanup,
  }) => {
    const { org, owner } = await givenOrg({
      name: 'Phone Academy',
      ownerEmail: 'a.very.long.address.for.a.phone@phone-academy.example.in',
    })
    await givenIssuedJob(org, learners(3))
    const { page } = await visit('/login', cleanup)
    await page.setViewportSize(PHONE)
    await logInThroughForm(page, owner.email)
    await assertNoPan(page, 'the dashboard')
    assert.deepEqual(await seriousAxeFindings(page), [], 'axe on the dashboard')

    // The top bar keeps the account page and New organization within reach.
    const topbar = page.locator('.topbar')
    assert.isTrue(await topbar.getByRole('link', { name: '+ New organization' }).isVisible())
    assert.isTrue(await withinScreen(page, '.topbar .new-org-link'))
    assert.isTrue(await withinScreen(page, '.topbar .user-link'))
    await topbar.getByRole('link', { name: owner.email }).click()
    await page.waitForURL('**/account')
    await page.getByRole('heading', { name: 'Your account' }).waitFor()
    await assertNoPan(page, 'the account page')
    assert.deepEqual(await seriousAxeFindings(page), [], 'axe on the account page')

    // A section far along the strip: the strip opens scrolled to it.
    await page.goto('/certificates')
    await page.getByRole('heading', { name: 'Certificates', level: 1 }).waitFor()
    await assertNoPan(page, 'the certificates list')
    assert.deepEqual(await seriousAxeFindings(page), [], 'axe on the certificates list')
    const strip = page.getByRole('navigation', { name: 'Main' })
    const stripBox = (await strip.boundingBox())!
    const current = (await strip.locator('a.active').boundingBox())!
    assert.isAtLeast(current.x, stripBox.x)
    assert.isAtMost(current.x + current.width, stripBox.x + stripBox.width)

    // Each certificate's status is on screen, not past a sideways scroll.
    const statuses = page.locator('#certificates-table td[data-label="Status"]')
    assert.equal(await statuses.count(), 3)
    for (let index = 0; index < 3; index++) {
      const box = (await statuses.nth(index).boundingBox())!
      assert.isAtMost(box.x + box.width, PHONE.width + 0.5)
    }

    // Through the strip by a boosted link: the page it lands on shows its own section.
    await strip.getByRole('link', { name: 'Dashboard' }).click()
    await page.waitForURL('**/dashboard')
    await page.getByRole('heading', { name: 'Phone Academy' }).waitFor()
    const dashboardLink = (await strip.locator('a.active').boundingBox())!
    assert.isAtLeast(dashboardLink.x, stripBox.x)
    await assertNoPan(page, 'the dashboard again')
    assert.deepEqual(pageProblems(page), [])
  })
})
