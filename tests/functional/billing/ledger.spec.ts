import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { actingAs, givenMember, givenOrg } from '#tests/helpers/given'
import { givenInvoice } from '#tests/helpers/razorpay'
import { balanceFromDocuments, givenLedgerHistory, invoiceMonth, paid } from '#tests/helpers/ledger'
import { billingOverview } from '#billing/queries/billing_overview'
import OrgLedger, { type LedgerEntry } from '#billing/queries/org_ledger'
import { decimalRupees } from '#billing/services/ledger_statement'
import { formatMoney } from '#core/services/formatting'

/*
| An org's ledger (issue 16): invoices, payments, top-ups, refunds and
| credit notes in time order with the balance after each; staff credits
| and a pending refund shown without moving it; the closing balance is the
| billing overview's, and what the documents say (advances left and
| overpayment, less what is due). On the billing page as the account
| statement, and the whole of it as CSV.
*/

const rowOf = (entry: LedgerEntry) => ({
  kind: entry.kind,
  reference: entry.reference,
  debit: entry.debitPaise,
  credit: entry.creditPaise,
  balance: entry.balancePaise,
})

test.group('Ledger', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('entries in time order with the running balance at each step; staff credit and a pending refund move nothing; the close equals the overview’s balance and the documents’ account', async ({
    assert,
  }) => {
    const { org, expected, voucher, invoices, totals } = await givenLedgerHistory()

    const entries = await OrgLedger.entries(org, { order: 'asc', limit: 100 })
    assert.deepEqual(entries.map(rowOf), expected)
    // The failed refund is nowhere; the receipt voucher is not an entry of its own.
    assert.notInclude(
      entries.map((entry) => entry.reference),
      voucher.number
    )

    const [credit, september, part, , topUp, october, refund, note, pending, november] = entries
    assert.equal(
      credit.description,
      'Credit ₹100.00 before tax (Launch promotion), taken off the next invoices'
    )
    assert.isFalse(credit.movesBalance)
    assert.equal(credit.amountPaise, 10_000)
    assert.equal(september.description, `Tax invoice ${invoices.september.invoice_number}`)
    assert.equal(september.documentId, invoices.september.id)
    assert.equal(september.day, '2026-10-01')
    assert.equal(part.description, `Payment of invoice ${invoices.september.invoice_number}`)
    assert.equal(topUp.description, `Top-up of prepaid balance, receipt voucher ${voucher.number}`)
    assert.equal(topUp.documentId, voucher.id)
    assert.deepEqual(october.notes, [
      `${formatMoney(totals.t2)} paid from prepaid balance (receipt voucher ${voucher.number})`,
    ])
    assert.match(refund.description, /^Refund of payment pay_/)
    assert.equal(
      note.description,
      `Credit note ${note.reference} against invoice ${invoices.september.invoice_number}`
    )
    assert.isFalse(pending.movesBalance)
    assert.equal(pending.amountPaise, 5_000)
    assert.match(
      pending.description,
      /^Refund of ₹50\.00 on payment pay_\w+ asked for; not yet processed/
    )
    assert.lengthOf(november.notes, 1)

    const close = 100_000 - totals.t2 - totals.t3
    assert.deepEqual(await OrgLedger.totals(org), { total: expected.length, balancePaise: close })
    const overview = await billingOverview(org)
    assert.equal(overview.balancePaise, close)
    // Staff credit not yet used stays its own figure (the September invoice took all of it).
    assert.equal(overview.creditPaise, 0)
    assert.equal(await balanceFromDocuments(org), close)
  })

  test('a page of the newest entries carries the balances of the whole history', async ({
    assert,
  }) => {
    const { org, expected } = await givenLedgerHistory()
    const newestFirst = [...expected].reverse()
    const second = await OrgLedger.page(org, { page: 2, perPage: 4 })
    assert.deepEqual(second.entries.map(rowOf), newestFirst.slice(4, 8))
    assert.equal(second.total, expected.length)
    assert.equal(second.closingBalancePaise, expected.at(-1)!.balance)
    const last = await OrgLedger.page(org, { page: 3, perPage: 4 })
    assert.deepEqual(last.entries.map(rowOf), newestFirst.slice(8))
    const beyond = await OrgLedger.page(org, { page: 4, perPage: 4 })
    assert.deepEqual(beyond.entries, [])
  })

  test('a void invoice moves nothing and a payment made on it stays a credit; an invoice paid twice leaves the overpayment in the org’s favour', async ({
    assert,
  }) => {
    const { org: created } = await givenOrg()
    const october = await givenInvoice(created)
    const org = await created.refresh()
    const november = await invoiceMonth(org, '2026-11', '2026-12-01T03:00:00Z')
    await paid(org, {
      invoiceId: october.id,
      amountPaise: october.totalPaise,
      when: '2026-12-02T06:00:00Z',
    })
    await paid(org, {
      invoiceId: october.id,
      amountPaise: october.totalPaise,
      when: '2026-12-02T07:00:00Z',
    })
    await paid(org, { invoiceId: november.id, amountPaise: 5_000, when: '2026-12-03T06:00:00Z' })
    await db.from('billing_invoices').where('id', november.id).update({ status: 'void' })

    const entries = await OrgLedger.entries(org, { order: 'asc', limit: 100 })
    const voided = entries.find((entry) => entry.id === november.id)!
    assert.isFalse(voided.movesBalance)
    assert.isNull(voided.debitPaise)
    assert.match(voided.description, /\(void: nothing is owed on it\)$/)
    const close = october.totalPaise + 5_000
    assert.equal(entries.at(-1)!.balancePaise, close)
    const overview = await billingOverview(org)
    assert.equal(overview.balancePaise, close)
    assert.equal(await balanceFromDocuments(org), close)
  })

  test('an org with nothing billed has an empty ledger and a balance of nothing; another org’s entries are never in it', async ({
    assert,
  }) => {
    await givenLedgerHistory()
    const { org } = await givenOrg()
    assert.deepEqual(await OrgLedger.totals(org), { total: 0, balancePaise: 0 })
    assert.deepEqual(await OrgLedger.entries(org, { order: 'desc', limit: 25 }), [])
  })

  test('amounts in a statement are rupees with two decimals, by integer arithmetic', ({
    assert,
  }) => {
    assert.equal(decimalRupees(0), '0.00')
    assert.equal(decimalRupees(5), '0.05')
    assert.equal(decimalRupees(-5), '-0.05')
    assert.equal(decimalRupees(123_456), '1234.56')
    assert.equal(decimalRupees(-100_000), '-1000.00')
    assert.equal(decimalRupees(900_719_925_474_099), '9007199254740.99')
    assert.throws(() => decimalRupees(1.5))
  })
})

test.group('Account statement on the billing page', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('the page shows the newest entries with their debit, credit and balance, invoice numbers linking to their PDFs, and the balance from the ledger', async ({
    client,
    assert,
  }) => {
    const { org, owner, expected, invoices, totals } = await givenLedgerHistory()
    const response = await actingAs(client.get('/billing'), owner, org)
    response.assertStatus(200)
    const html = response.text()
    assert.include(html, '<h2 id="ledger-title" class="card-heading">Account statement</h2>')
    assert.include(html, '<caption class="visually-hidden">Account statement, newest first')
    assert.include(html, 'href="/billing/ledger.csv"')
    const rows = [
      ...html.matchAll(/<tr data-ledger-entry="[^"]+" data-kind="([a-z_]+)">([\s\S]*?)<\/tr>/g),
    ]
    assert.deepEqual(
      rows.map((row) => row[1]),
      [...expected].reverse().map((entry) => entry.kind)
    )
    // The newest: November's invoice, its debit and the balance after it.
    const newest = rows[0][2]
    assert.include(newest, `href="/billing/invoices/${invoices.november.id}/pdf"`)
    assert.include(newest, invoices.november.invoice_number)
    const money = formatMoney
    assert.include(newest, `<td class="num">${money(totals.t3)}</td>`)
    assert.include(newest, `<td class="num">${money(100_000 - totals.t2 - totals.t3)}</td>`)
    const credit = rows.at(-1)![2]
    assert.include(credit, 'Balance unchanged')
    assert.include(html, `id="balance">${money(100_000 - totals.t2 - totals.t3)}<`)
    assert.include(html, `id="ledger-balance">${money(100_000 - totals.t2 - totals.t3)}<`)
  })

  test('an org with nothing billed sees that nothing is there yet, and no download', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const response = await actingAs(client.get('/billing'), owner, org)
    const html = response.text()
    assert.include(html, 'id="no-ledger"')
    assert.notInclude(html, 'id="ledger-csv"')
  })

  test('the full statement downloads as CSV, oldest first, amounts as rupees with two decimals; only the org’s own; a member without billing.view gets a 403 as the page does', async ({
    client,
    assert,
  }) => {
    const { org, owner, expected, invoices } = await givenLedgerHistory()
    const other = await givenLedgerHistory()

    const response = await actingAs(client.get('/billing/ledger.csv'), owner, org)
    response.assertStatus(200)
    assert.equal(response.header('content-type'), 'text/csv; charset=utf-8')
    assert.match(
      response.header('content-disposition') ?? '',
      new RegExp(`^attachment; filename="${org.slug}-account-statement-\\d{4}-\\d{2}-\\d{2}\\.csv"`)
    )
    assert.equal(response.header('cache-control'), 'no-store')
    const text = response.text()
    assert.isTrue(text.startsWith('\uFEFF'))
    const lines = text.slice(1).trimEnd().split('\r\n')
    assert.equal(
      lines[0],
      'Date (IST),Time (UTC),Kind,Description,Reference,Debit (INR),Credit (INR),Balance (INR),Moves balance,Notes'
    )
    assert.lengthOf(lines, expected.length + 1)
    const amount = (paise: number | null) => (paise === null ? '' : decimalRupees(paise))
    lines.slice(1).forEach((line, index) => {
      const want = expected[index]
      assert.include(line, `,${want.kind},`)
      assert.isTrue(
        line.includes(`,${amount(want.debit)},${amount(want.credit)},${amount(want.balance)},`),
        `line ${index + 1} (${line}) has ${JSON.stringify(want)}`
      )
    })
    assert.match(lines[1], /^2026-09-20,2026-09-20T10:00:00Z,adjustment_credit,/)
    assert.match(
      lines[2],
      new RegExp(
        `^2026-10-01,2026-10-01T03:00:00Z,invoice,Tax invoice ${invoices.september.invoice_number},`
      )
    )
    // A negative balance is a number, not text guarded as a formula.
    assert.match(lines[2], /,-\d+\.\d{2},yes,$/)
    assert.notInclude(text, other.invoices.september.invoice_number)

    const { user: member } = await givenMember(org, 'member')
    const refused = await actingAs(client.get('/billing/ledger.csv'), member, org)
    refused.assertStatus(403)
    const refusedPage = await actingAs(client.get('/billing'), member, org)
    refusedPage.assertStatus(403)

    const anonymous = await client.get('/billing/ledger.csv').redirects(0)
    assert.oneOf(anonymous.status(), [302, 303])
  })
})
