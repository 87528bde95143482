import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import type { Page } from 'playwright-core'
import { pageProblems, visit } from '#tests/helpers/browser'
import { logInThroughForm } from '#tests/helpers/browser_login'
import { givenOrg } from '#tests/helpers/given'

/*
| The keyboard's way into a page: a skip link is the first Tab stop and
| takes focus to the content, and a boosted navigation (htmx replaces the
| body) leaves focus on the new page's content instead of dropping it to
| the top of the document, where it would have to pass the top bar and every
| sidebar link again: it moves to the new page's heading, which a screen
| reader announces.
*/

/** What has focus: its tag, id, text, and whether it is inside the page's main content. */
function focused(page: Page) {
  return page.evaluate(() => {
    const document = (globalThis as any).document
    const element = document.activeElement
    return {
      tag: element?.tagName.toLowerCase() ?? null,
      id: element?.id ?? '',
      text: (element?.textContent ?? '').trim().slice(0, 60),
      inMain: !!element?.closest('main') && element !== document.getElementById('main'),
    }
  })
}

test.group('Keyboard navigation in the browser', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('the first Tab reaches "Skip to content", which takes focus to the page; after a boosted navigation the next Tab is in the content', async ({
    assert,
    cleanup,
  }) => {
    const { owner } = await givenOrg({ name: 'Keyboard Academy' })
    const { page } = await visit('/login', cleanup)
    await logInThroughForm(page, owner.email)

    // A full page load: the skip link is the first stop and shows itself when focused.
    await page.goto('/dashboard')
    await page.keyboard.press('Tab')
    const first = await focused(page)
    assert.equal(first.text, 'Skip to content')
    const box = await page.getByRole('link', { name: 'Skip to content' }).boundingBox()
    assert.isNotNull(box)
    assert.isAtLeast(box!.y, 0, 'the focused skip link is on screen')
    await page.keyboard.press('Enter')
    const afterSkip = await focused(page)
    assert.equal(afterSkip.id, 'main')
    await page.keyboard.press('Tab')
    const afterTab = await focused(page)
    assert.isTrue(afterTab.inMain, 'one Tab after the skip link is in the content')

    // A boosted navigation from the sidebar, by keyboard: focus lands on the new page's heading,
    // and the title names the new page.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Certificates' })
      .focus()
    await page.keyboard.press('Enter')
    await page.waitForURL('**/certificates')
    await page.getByRole('heading', { name: 'Certificates', level: 1 }).waitFor()
    await page.waitForFunction(() => (globalThis as any).document.activeElement?.tagName === 'H1')
    const heading = await focused(page)
    assert.equal(heading.text, 'Certificates')
    assert.equal(await page.title(), 'Certificates · Authentix')
    await page.keyboard.press('Tab')
    const next = await focused(page)
    assert.isTrue(
      next.inMain,
      `the Tab after a boosted navigation is in the content (was ${next.tag} "${next.text}")`
    )
    assert.deepEqual(pageProblems(page), [])
  })
})
