import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { actingAs, givenMember, givenOrg } from '#tests/helpers/given'
import { binary, bytesOf } from '#tests/helpers/binary'
import { billingProfile, gstinFor, issuedAt, pdfText } from '#tests/helpers/billing'
import { fieldErrorOf, flashOf } from '#tests/helpers/orgs'
import Organization from '#orgs/models/organization'
import CloseBillingPeriod from '#billing/actions/close_billing_period'
import { billingMonthNamed } from '#billing/services/billing_periods'

/*
| The billing page (billing.view) and its details form (billing.manage):
| the account at a glance, invoices with their PDFs, who invoices are made
| out to, with the GSTIN checked against its check character and its state.
*/

test.group('Billing page', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('an owner in the trial sees its end and the free certificates left, the plan, this month’s certificates per day, and no invoices yet', async ({
    client,
    assert,
  }) => {
    const now = DateTime.utc()
    const { org: created, owner } = await givenOrg({ billing: 'trialing' })
    const org = await billingProfile(created, {
      createdAt: now.minus({ days: 1 }).toISO()!,
      trialEndsAt: now.plus({ days: 6 }).toISO()!,
      state: 'Karnataka',
    })
    await issuedAt(org, now.minus({ minutes: 2 }).toISO()!, 3)
    const response = await actingAs(client.get('/billing'), owner, org)
    response.assertStatus(200)
    const html = response.text()
    assert.include(html, 'data-billing-status="trialing"')
    assert.match(html, /6 days left\) and still covers\s*<strong>7<\/strong> free certificates/)
    assert.include(html, '₹399.00 a month')
    assert.include(html, '₹10.00')
    assert.include(html, 'CGST + SGST, place of supply Karnataka')
    assert.include(html, 'id="month-certificates">3<')
    const today = now.setZone('Asia/Kolkata').toISODate()
    assert.include(html, `data-day="${today}" data-issued="3" data-reissued="0"`)
    assert.include(html, 'id="no-invoices"')
    assert.include(html, 'data-page="billing"')
    assert.include(html, `href="/billing"`)
  })

  test('invoices are listed with their PDF; the PDF downloads as issued; another org’s invoice PDF is a 404; a member without billing.view gets a 403', async ({
    client,
    assert,
  }) => {
    const { org: created, owner } = await givenOrg()
    const org = await billingProfile(created, { createdAt: '2026-02-01T10:00:00Z', state: 'Goa' })
    await issuedAt(org, '2026-10-10T10:00:00Z', 4)
    await CloseBillingPeriod.handle(org, billingMonthNamed('2026-10')!)
    const invoice = await db.from('billing_invoices').where('organization_id', org.id).first()

    const page = await actingAs(client.get('/billing'), owner, org)
    const html = page.text()
    assert.include(html, `data-invoice="${invoice.invoice_number}"`)
    // 39,900 + 4,000 = 43,900, IGST 7,902: 51,802 → ₹518.
    assert.include(html, '₹518.00')
    assert.include(html, 'id="payments-not-configured"')
    assert.include(html, `/billing/invoices/${invoice.id}/pdf`)

    const pdf = await binary(
      actingAs(client.get(`/billing/invoices/${invoice.id}/pdf`), owner, org)
    )
    pdf.assertStatus(200)
    assert.equal(pdf.header('content-type'), 'application/pdf')
    const text = pdfText(bytesOf(pdf))
    assert.include(text, invoice.invoice_number)
    assert.include(text, 'Goa (30)')

    const { org: other, owner: otherOwner } = await givenOrg()
    const foreign = await actingAs(
      client.get(`/billing/invoices/${invoice.id}/pdf`),
      otherOwner,
      other
    )
    foreign.assertStatus(404)

    const { user: member } = await givenMember(org, 'member')
    const refused = await actingAs(client.get('/billing'), member, org)
    refused.assertStatus(403)
    const refusedPdf = await actingAs(
      client.get(`/billing/invoices/${invoice.id}/pdf`),
      member,
      org
    )
    refusedPdf.assertStatus(403)
  })

  test('an admin sees the account but not the details form; only billing.manage may save the details', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { user: admin } = await givenMember(org, 'admin')
    const page = await actingAs(client.get('/billing'), admin, org)
    page.assertStatus(200)
    assert.include(page.text(), 'id="billing-details-view"')
    assert.notInclude(page.text(), 'id="billing-details"')
    const saved = await actingAs(client.put('/billing/details'), admin, org)
      .form({ business_name: 'X Pvt Ltd', address_line1: '1 Road', city: 'Pune' })
      .withCsrfToken()
    saved.assertStatus(403)
  })

  test('the details form saves who invoices are made out to; a GSTIN with a wrong check character, or registered in another state than the one chosen, is refused with the reason; the next invoice carries the details', async ({
    client,
    assert,
  }) => {
    const { org: created, owner } = await givenOrg()
    const org = await billingProfile(created, { createdAt: '2026-02-01T10:00:00Z' })
    const gstin = gstinFor('27')
    const wrongCheck = `${gstin.slice(0, 14)}${gstin[14] === 'A' ? 'B' : 'A'}`

    const badCheck = await actingAs(client.put('/billing/details'), owner, org)
      .form({
        business_name: 'Pune Skills Academy LLP',
        address_line1: '14 FC Road',
        city: 'Pune',
        state_code: '27',
        postal_code: '411004',
        gstin: wrongCheck,
      })
      .withCsrfToken()
      .redirects(0)
    badCheck.assertStatus(302)
    assert.equal(
      fieldErrorOf(badCheck, 'gstin'),
      'This GSTIN’s check character does not match; check it for typos.'
    )

    const otherState = await actingAs(client.put('/billing/details'), owner, org)
      .form({
        business_name: 'Pune Skills Academy LLP',
        address_line1: '14 FC Road',
        city: 'Pune',
        state_code: '29',
        gstin,
      })
      .withCsrfToken()
      .redirects(0)
    assert.equal(
      fieldErrorOf(otherState, 'gstin'),
      'This GSTIN is registered in Maharashtra (27), not Karnataka: choose that state or correct the GSTIN.'
    )

    const saved = await actingAs(client.put('/billing/details'), owner, org)
      .form({
        business_name: 'Pune Skills Academy LLP',
        address_line1: '14 FC Road',
        city: 'Pune',
        state_code: '27',
        postal_code: '411004',
        gstin: gstin.toLowerCase(),
        billing_email: 'Accounts@PuneSkills.in',
      })
      .withCsrfToken()
      .redirects(0)
    saved.assertStatus(302)
    assert.equal(
      flashOf(saved, 'success'),
      'Billing details saved. Invoices issued from now on carry them.'
    )
    const row = await db.from('organizations').where('id', org.id).first()
    assert.containsSubset(row, {
      business_name: 'Pune Skills Academy LLP',
      state: 'Maharashtra',
      gstin,
      billing_email: 'accounts@puneskills.in',
    })
    const audit = await db
      .from('app_audit_logs')
      .where('organization_id', org.id)
      .where('action', 'org.billing_details_changed')
      .first()
    assert.isNotNull(audit)

    await issuedAt(org, '2026-10-10T10:00:00Z', 1)
    const fresh = await Organization.findOrFail(org.id)
    await CloseBillingPeriod.handle(fresh, billingMonthNamed('2026-10')!)
    const invoice = await db.from('billing_invoices').where('organization_id', org.id).first()
    const recipient =
      typeof invoice.recipient === 'string' ? JSON.parse(invoice.recipient) : invoice.recipient
    assert.deepEqual(recipient, {
      name: 'Pune Skills Academy LLP',
      address_lines: ['14 FC Road', 'Pune 411004'],
      state: 'Maharashtra',
      state_code: '27',
      gstin,
      email: 'accounts@puneskills.in',
    })
  })
})
