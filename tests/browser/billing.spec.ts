import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { pageProblems, visit } from '#tests/helpers/browser'
import { logInThroughForm } from '#tests/helpers/browser_login'
import { givenOrg } from '#tests/helpers/given'
import { billingProfile, gstinFor, issuedAt, pdfText } from '#tests/helpers/billing'
import CloseBillingPeriod from '#billing/actions/close_billing_period'
import { billingMonthNamed } from '#billing/services/billing_periods'

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
    await page.getByLabel('State').selectOption('30')
    await page.getByRole('button', { name: 'Save billing details' }).click()
    await page.getByText('Billing details saved.').waitFor()
    const saved = await db.from('organizations').where('id', org.id).first()
    assert.equal(saved.gstin, gstin)
    assert.equal(saved.business_name, 'Goa Skills Academy LLP')
    assert.equal(saved.state, 'Goa')
    assert.deepEqual(pageProblems(page), [])
  })
})
