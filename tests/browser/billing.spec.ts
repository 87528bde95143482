import { test } from '@japa/runner'
import type { Page } from 'playwright-core'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { pageProblems, visit } from '#tests/helpers/browser'
import { logInThroughForm } from '#tests/helpers/browser_login'
import { givenOrg } from '#tests/helpers/given'
import { billingProfile, gstinFor, issuedAt, pdfText } from '#tests/helpers/billing'
import CloseBillingPeriod from '#billing/actions/close_billing_period'
import { billingMonthNamed } from '#billing/services/billing_periods'
import { KEY_ID, KEY_SECRET, useRazorpaySettings } from '#tests/helpers/razorpay'
import Organization from '#orgs/models/organization'
import { seriousAxeFindings } from '#tests/helpers/axe'
import { QueueWorker } from '#core/queue/worker'
import { givenTemplate } from '#tests/helpers/given_templates'
import { givenImport } from '#tests/helpers/imports'
import { NAME_COURSE_NUMBER_QR, recipientsCsv } from '#tests/helpers/certificates'
import { type RazorpayStandIn, startRazorpayStandIn } from '../../stand_ins/razorpay.js'

/** The Razorpay stand-in with its fake Checkout, configured for this test and closed after it. */
async function withFakeCheckout(cleanup: (fn: () => void | Promise<void>) => void) {
  const standIn = await startRazorpayStandIn({ keyId: KEY_ID, keySecret: KEY_SECRET })
  cleanup(() => standIn.close())
  const restore = useRazorpaySettings({ baseUrl: standIn.url, checkout: standIn.url })
  cleanup(() => restore())
  return standIn
}

/** On the stand-in's fake Checkout (on its own origin), Pay; it sends the browser back. */
async function payOnFakeCheckout(page: Page, standIn: RazorpayStandIn) {
  await page.waitForURL(`${standIn.url}/**`)
  await page.getByRole('button', { name: /Pay/ }).first().click()
}

test.group('Billing in the browser', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('an owner opens Billing: the chart of this month’s certificates is drawn from our own uPlot, an invoice’s PDF downloads, the GSTIN is checked as it is typed and the details are saved', async ({
    assert,
    cleanup,
  }) => {
    const { org: created, owner } = await givenOrg({ name: 'Billing Browser Academy' })
    const org = await billingProfile(created, { createdAt: '2026-02-01T10:00:00Z', state: 'Goa' })
    await issuedAt(org, '2026-10-10T10:00:00Z', 3)
    await issuedAt(org, DateTime.utc().minus({ minutes: 3 }).toISO()!, 4)
    await CloseBillingPeriod.handle(org, billingMonthNamed('2026-10')!)
    const invoice = await db.from('billing_invoices').where('organization_id', org.id).first()

    const { page } = await visit('/login', cleanup)
    await logInThroughForm(page, owner.email)
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Billing' })
      .click()
    await page.waitForURL('**/billing')
    await page.locator('[data-chart-drawn]').waitFor()
    assert.equal(await page.locator('.usage-chart canvas').count(), 1)
    const certificates = await page.locator('#month-certificates').innerText()
    assert.equal(certificates.trim(), '4')

    // The invoice's PDF, as issued.
    const row = page.locator(`tr[data-invoice="${invoice.invoice_number}"]`)
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByRole('link', { name: 'PDF' }).click(),
    ])
    assert.equal(download.suggestedFilename(), `${invoice.invoice_number}.pdf`)
    const path = await download.path()
    const { readFile } = await import('node:fs/promises')
    const text = pdfText(await readFile(path!))
    assert.include(text, invoice.invoice_number)
    assert.include(text, 'IGST')

    // The GSTIN, checked as it is typed; then saved with the matching state.
    const gstin = gstinFor('30')
    const field = page.getByLabel('GSTIN')
    await field.fill(`${gstin.slice(0, 14)}${gstin[14] === 'A' ? 'B' : 'A'}`)
    const status = page.locator('[data-gstin-status]')
    const wrong = await status.innerText()
    assert.equal(wrong.trim(), 'This GSTIN’s check character does not match; check it for typos.')
    assert.equal(await field.getAttribute('aria-invalid'), 'true')
    await field.fill(gstin.toLowerCase())
    const right = await status.innerText()
    assert.equal(right.trim(), 'Check character matches.')
    await page.getByLabel('Legal name').fill('Goa Skills Academy LLP')
    await page.getByRole('combobox', { name: /^State\b/ }).selectOption('30')
    await page.getByRole('button', { name: 'Save billing details' }).click()
    await page.getByText('Billing details saved.').waitFor()
    const saved = await db.from('organizations').where('id', org.id).first()
    assert.equal(saved.gstin, gstin)
    assert.equal(saved.business_name, 'Goa Skills Academy LLP')
    assert.equal(saved.state, 'Goa')
    assert.deepEqual(pageProblems(page), [])
  })

  test('an org goes from its trial to paying: its first invoice is paid through the fake Checkout, the page says so, the org is active and the PDF carries both GSTINs, the SAC, the tax split and the amount in words', async ({
    assert,
    cleanup,
  }) => {
    const standIn = await withFakeCheckout(cleanup)

    const { org: created, owner } = await givenOrg({ name: 'Paying Academy', billing: 'trialing' })
    const gstin = gstinFor('27')
    // Its trial ended on 20 October: the October invoice bills the 11 days after it.
    const org = await billingProfile(created, {
      createdAt: '2026-10-13T06:00:00Z',
      trialEndsAt: '2026-10-20T06:00:00Z',
      gstin,
      state: 'Maharashtra',
      businessName: 'Paying Academy LLP',
    })
    await issuedAt(org, '2026-10-15T06:00:00Z', 10)
    await issuedAt(org, '2026-10-25T06:00:00Z', 12)
    await CloseBillingPeriod.handle(org, billingMonthNamed('2026-10')!)
    const invoice = await db.from('billing_invoices').where('organization_id', org.id).first()
    const before = await Organization.findOrFail(org.id)
    assert.equal(before.billingStatus, 'trialing')

    const { page } = await visit('/login', cleanup)
    await logInThroughForm(page, owner.email)
    await page.goto(`${page.url().split('/').slice(0, 3).join('/')}/billing`)
    const row = page.locator(`tr[data-invoice="${invoice.invoice_number}"]`)
    await row.getByRole('button', { name: /^Pay ₹/ }).click()
    // Razorpay's (fake) Checkout, on its own origin.
    await payOnFakeCheckout(page, standIn)
    await page.waitForURL('**/billing')
    await page.locator('#flash').getByText(/paid/i).waitFor()
    await row.locator('.badge-ok', { hasText: 'Paid' }).waitFor()
    const after = await Organization.findOrFail(org.id)
    assert.equal(after.billingStatus, 'active')
    assert.equal(await page.locator('[data-billing-status="active"]').count(), 1)

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByRole('link', { name: 'PDF' }).click(),
    ])
    const { readFile } = await import('node:fs/promises')
    const text = pdfText(await readFile((await download.path())!))
    assert.include(text, gstin)
    assert.include(text, '998314')
    assert.include(text, 'IGST')
    assert.include(text, 'Maharashtra (27)')
    assert.match(text, /Amount in words: Rupees [A-Za-z -]+ Only/)
    assert.deepEqual(pageProblems(page), [])
  })

  test('an org whose trial ended tops up ₹1,000 through the fake Checkout: back on Billing it reads the flash, the prepaid balance and its receipt voucher, whose PDF downloads; the org is active', async ({
    assert,
    cleanup,
  }) => {
    const standIn = await withFakeCheckout(cleanup)
    const { org: created, owner } = await givenOrg({ name: 'Prepaid Academy', billing: 'trialing' })
    await billingProfile(created, {
      createdAt: DateTime.utc().minus({ days: 9 }).toISO()!,
      state: 'Karnataka',
    })

    const { page } = await visit('/login', cleanup)
    await logInThroughForm(page, owner.email)
    await page.goto(`${page.url().split('/').slice(0, 3).join('/')}/billing`)
    await page
      .locator('#trial-notice')
      .getByText(/add a prepaid balance/)
      .waitFor()
    const balance = page.locator('#prepaid-balance')
    assert.equal(await balance.innerText(), '₹0.00')
    const amount = page.getByLabel('Amount (₹, with GST)')
    assert.equal(await amount.inputValue(), '1000')
    await page.getByRole('button', { name: 'Top up' }).click()
    await payOnFakeCheckout(page, standIn)
    await page.waitForURL('**/billing')
    await page
      .locator('#flash')
      .getByText(
        /^Top-up of ₹1,000\.00 received: it pays your invoices first\. Its receipt voucher is XEN-[A-Z0-9]+-R00001\.$/
      )
      .waitFor()
    assert.equal(await balance.innerText(), '₹1,000.00')
    assert.equal(await page.locator('[data-billing-status="active"]').count(), 1)
    const voucher = await db
      .from('billing_invoices')
      .where('organization_id', created.id)
      .where('kind', 'receipt_voucher')
      .firstOrFail()
    const row = page.locator(`tr[data-invoice="${voucher.invoice_number}"]`)
    await row.getByText('Receipt voucher').waitFor()

    // Its PDF, once the queue has drawn it.
    await QueueWorker.drain({ lanes: 1 })
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByRole('link', { name: 'PDF' }).click(),
    ])
    const { readFile } = await import('node:fs/promises')
    const text = pdfText(await readFile((await download.path())!))
    assert.include(text, 'RECEIPT VOUCHER')
    assert.include(text, 'CGST')
    assert.include(text, 'Rupees One Thousand Only')
    assert.deepEqual(pageProblems(page), [])
  })

  test('a trial that has ended: the preflight refuses with E_TRIAL_EXHAUSTED and the way to Billing; the owner tops up through the fake Checkout, and the same job then generates', async ({
    assert,
    cleanup,
  }) => {
    const standIn = await withFakeCheckout(cleanup)
    const { org: created, owner } = await givenOrg({
      name: 'Lapsed Trial Academy',
      billing: 'trialing',
    })
    await billingProfile(created, {
      createdAt: DateTime.utc().minus({ days: 12 }).toISO()!,
      state: 'Kerala',
    })
    await givenTemplate(created, { name: 'Course completion', fields: NAME_COURSE_NUMBER_QR })
    const list = await givenImport(created, recipientsCsv(3))

    const { page } = await visit('/login', cleanup)
    await logInThroughForm(page, owner.email)
    const origin = page.url().split('/').slice(0, 3).join('/')
    const checkJob = async () => {
      await page.goto(`${origin}/generation-jobs/new`)
      await page.getByRole('checkbox', { name: /Course completion/ }).check()
      await page.getByLabel('Recipient list').selectOption(list.id)
      await page.getByRole('button', { name: 'Check and continue' }).click()
      await page.locator('#preflight, #billing-refusal').first().waitFor()
    }
    await checkJob()
    const refusal = page.locator('#billing-refusal')
    assert.equal(await refusal.getAttribute('data-code'), 'E_TRIAL_EXHAUSTED')
    assert.match(await refusal.innerText(), /trial of Lapsed Trial Academy ended on/)
    assert.equal(await page.getByRole('button', { name: /^Generate/ }).count(), 0)

    await refusal.getByRole('link', { name: 'Go to Billing' }).click()
    await page.waitForURL('**/billing')
    await page.getByRole('button', { name: 'Top up' }).click()
    await payOnFakeCheckout(page, standIn)
    await page.waitForURL('**/billing')
    await page
      .locator('#flash')
      .getByText(/^Top-up of ₹1,000\.00 received/)
      .waitFor()

    await checkJob()
    assert.equal(await page.locator('#billing-refusal').count(), 0)
    await page.getByRole('button', { name: 'Generate 3 certificates' }).click()
    await page.waitForURL(/\/generation-jobs\/[0-9a-f-]{36}$/)
    assert.include(await page.locator('#flash').innerText(), 'Generating 3 certificates.')
    assert.deepEqual(pageProblems(page), [])
  })

  test('on a phone (390 px), by keyboard, reached through a boosted link: nothing pans sideways, the chart is drawn, the GSTIN is checked and saved, and axe finds nothing serious', async ({
    assert,
    cleanup,
  }) => {
    const { org: created, owner } = await givenOrg({ name: 'Phone Billing Academy' })
    const org = await billingProfile(created, { createdAt: '2026-02-01T10:00:00Z', state: 'Goa' })
    await issuedAt(org, '2026-10-10T10:00:00Z', 2)
    await issuedAt(org, DateTime.utc().minus({ minutes: 3 }).toISO()!, 2)
    await CloseBillingPeriod.handle(org, billingMonthNamed('2026-10')!)

    const { page } = await visit('/login', cleanup)
    await page.setViewportSize({ width: 390, height: 844 })
    await logInThroughForm(page, owner.email)
    // A boosted link: htmx swaps the page in, and the page's script must mount all the same.
    const link = page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Billing' })
    await link.focus()
    await page.keyboard.press('Enter')
    await page.waitForURL('**/billing')
    await page.locator('[data-chart-drawn]').waitFor()
    // The billing page's own content fits (the app's header and section strip are issue 17's).
    const overflow = await page.locator('#main').evaluate((main) => {
      const wide = [...main.querySelectorAll('*')].filter(
        (element) =>
          element.getBoundingClientRect().right > main.getBoundingClientRect().right + 1 &&
          !element.closest('.table-wrap')
      )
      return wide.map(
        (element) => `${element.tagName.toLowerCase()}#${element.id}.${element.className}`
      )
    })
    assert.deepEqual(overflow.slice(0, 5), [], 'the billing page pans sideways')

    const gstin = gstinFor('30')
    await page.getByLabel('GSTIN').focus()
    await page.keyboard.type(gstin)
    const status = await page.locator('[data-gstin-status]').innerText()
    assert.equal(status.trim(), 'Check character matches.')
    await page.getByRole('button', { name: 'Save billing details' }).focus()
    await page.keyboard.press('Enter')
    await page.getByText('Billing details saved.').waitFor()
    const saved = await db.from('organizations').where('id', org.id).first()
    assert.equal(saved.gstin, gstin)

    assert.deepEqual(await seriousAxeFindings(page), [])
    assert.deepEqual(pageProblems(page), [])
  })
})
