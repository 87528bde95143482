import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import type { Page } from 'playwright-core'
import { pageProblems, pastTheEdge, sidewaysScroll, visit } from '#tests/helpers/browser'
import { logInThroughForm } from '#tests/helpers/browser_login'
import { givenOrg } from '#tests/helpers/given'
import { seriousAxeFindings } from '#tests/helpers/axe'
import { givenIssuedJob, learners } from '#tests/helpers/delivery_jobs'
import { givenIssued, tokenOf } from '#tests/helpers/verification'
import { generateToken } from '#core/services/tokens'

/*
| Every section of the signed-in app, reached through the sidebar as a user
| does, at a desktop width (light and dark) and on 390 px and 320 px phones: axe finds
| nothing serious or critical, and no page is wider than the window. A page
| added to the sidebar is checked without touching this file. The public
| pages (sign-in, sign-up, password reset, verification) likewise, at their
| typed or scanned addresses.
*/

const SIZES = [
  { name: 'desktop', width: 1280, height: 800, dark: false },
  { name: '390 px', width: 390, height: 844, dark: false },
  { name: '320 px', width: 320, height: 640, dark: false },
  // The dark theme (prefers-color-scheme): contrast is what axe checks there.
  { name: 'desktop, dark', width: 1280, height: 800, dark: true },
]

/** Pages the lists lead to: a section, and the first link of its list. */
const DETAILS: Array<[string, string]> = [
  ['Templates', '#new-template'],
  ['Templates', '.template-name a'],
  ['Templates', 'main a.btn:has-text("Design fields")'],
  ['Recipients', 'main a.btn:has-text("Add recipients")'],
  ['Recipients', '#imports-table tbody a'],
  ['Generation jobs', 'main a.btn:has-text("Generate certificates")'],
  ['Generation jobs', '#jobs-table tbody a'],
  ['Certificates', '#certificates-table tbody a'],
  ['Members', '#members-table a:has-text("Manage")'],
]

/** What axe finds serious or critical on the page, and, on a phone, how far it pans sideways and why. */
async function findingsOn(page: Page, where: string, phone: boolean) {
  const axe = await seriousAxeFindings(page)
  const findings = axe.map((finding) => `${where}: ${finding}`)
  const pan = phone ? await sidewaysScroll(page) : 0
  if (pan > 0) {
    const culprits = await pastTheEdge(page)
    findings.push(`${where}: pans ${pan} px sideways (${culprits.join(', ')})`)
  }
  return findings
}

/** The sidebar's sections, in order, by their link text. */
function sections(page: Page) {
  return page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link')
    .evaluateAll((links) => links.map((link) => (link.textContent ?? '').trim()))
}

test.group('Every section at every size', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('axe finds nothing serious and no page pans sideways, on desktop and on 390 and 320 px phones', async ({
    assert,
    cleanup,
  }) => {
    const { org, owner } = await givenOrg({ name: 'Sweep Academy' })
    await givenIssuedJob(org, learners(3))
    const { page } = await visit('/login', cleanup)
    await logInThroughForm(page, owner.email)

    const names = await sections(page)
    assert.isAbove(names.length, 8)
    const findings: string[] = []
    const check = async (where: string, phone: boolean) => {
      await page.locator('main h1').first().waitFor()
      await page.waitForLoadState('networkidle')
      findings.push(...(await findingsOn(page, where, phone)))
    }
    for (const size of SIZES) {
      await page.setViewportSize({ width: size.width, height: size.height })
      await page.emulateMedia({ colorScheme: size.dark ? 'dark' : 'light' })
      const background = await page.evaluate(
        () =>
          (globalThis as any).getComputedStyle((globalThis as any).document.body).backgroundColor
      )
      assert.equal(background, size.dark ? 'rgb(11, 17, 32)' : 'rgb(248, 250, 252)', size.name)
      for (const name of names) {
        await page
          .getByRole('navigation', { name: 'Main' })
          .getByRole('link', { name, exact: true })
          .click()
        await check(`${name} at ${size.name}`, size.width < 760)
      }
      // A page of each kind the lists lead to, and the top bar's pages.
      for (const [section, link] of DETAILS) {
        await page
          .getByRole('navigation', { name: 'Main' })
          .getByRole('link', { name: section, exact: true })
          .click()
        await page.locator('main h1').first().waitFor()
        const target = page.locator(link).first()
        const text = await target.innerText()
        const label = text.trim().slice(0, 40)
        await target.click()
        await page.waitForURL((url) => url.pathname.split('/').length > 2)
        await check(`${section} → ${label} at ${size.name}`, size.width < 760)
      }
      for (const [name, selector] of [
        ['account', '.topbar .user-link'],
        ['new organization', '.topbar .new-org-link'],
      ]) {
        await page.locator(selector).click()
        await page.waitForURL((url) => url.pathname !== '/dashboard')
        await check(`${name} at ${size.name}`, size.width < 760)
        await page.goBack()
      }
    }
    assert.deepEqual(findings, [], findings.join('\n'))
    assert.deepEqual(pageProblems(page), [])
  }).timeout(180_000)

  test('the public pages, at every size: axe finds nothing serious and none pans sideways', async ({
    assert,
    cleanup,
  }) => {
    const { org } = await givenOrg({ name: 'Public Pages Institute' })
    const [certificate] = await givenIssued(org)
    const { page } = await visit('/login', cleanup)
    const pages: Array<[string, string]> = [
      ['home', '/'],
      ['sign-in', '/login'],
      ['sign-up', '/signup'],
      ['forgot password', '/forgot-password'],
      ['check a PDF', '/verify'],
      ['a certificate', `/v/${tokenOf(certificate)}`],
      ['an unknown certificate', `/v/${generateToken()}`],
    ]
    const findings: string[] = []
    for (const size of SIZES) {
      await page.setViewportSize({ width: size.width, height: size.height })
      await page.emulateMedia({ colorScheme: size.dark ? 'dark' : 'light' })
      for (const [name, path] of pages) {
        await page.goto(path)
        await page.locator('h1').first().waitFor()
        findings.push(...(await findingsOn(page, `${name} at ${size.name}`, true)))
      }
    }
    assert.deepEqual(findings, [], findings.join('\n'))
    // The unknown certificate's page is a 404, which the browser reports: nothing else.
    assert.deepEqual(
      [...new Set(pageProblems(page))],
      [
        'console error: Failed to load resource: the server responded with a status of 404 (Not Found)',
      ]
    )
  }).timeout(120_000)
})
