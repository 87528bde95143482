import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import drive from '@adonisjs/drive/services/main'
import { DateTime } from 'luxon'
import { QueueWorker } from '#core/queue/worker'
import { sha256Hex } from '#core/actions/store_file'
import Organization from '#orgs/models/organization'
import { givenMember, givenOrg } from '#tests/helpers/given'
import { billingProfile, issuedAt } from '#tests/helpers/billing'
import { mailbox } from '#tests/helpers/smtp_server'
import CloseBillingPeriod from '#billing/actions/close_billing_period'
import RunDunning from '#billing/actions/run_dunning'
import { billingMonthNamed } from '#billing/services/billing_periods'
import { givenApiKey } from '#tests/helpers/api_keys'
import { givenTemplate } from '#tests/helpers/given_templates'
import { NAME_COURSE_NUMBER_QR } from '#tests/helpers/certificates'

/*
| What an org is told about an invoice, each once: the invoice with its PDF
| to its billing contacts, reminders 3 and 7 days after issue, past due the
| day after the due date, suspended after the grace period; a suspended
| org cannot issue, its certificates still verify.
*/

const OCTOBER = billingMonthNamed('2026-10')!
/** The run that issues October's invoices: 02:00 IST on 1 November. */
const ISSUED_AT = DateTime.fromISO('2026-10-31T20:30:00Z', { zone: 'utc' })
const dayAt = (day: string) => DateTime.fromISO(`${day}T04:00:00Z`, { zone: 'utc' }) // 09:30 IST

/** The invoice's notices, sorted, a skipped one marked. */
async function noticesOf(invoiceId: string) {
  const rows = await db
    .from('billing_invoice_notices')
    .where('invoice_id', invoiceId)
    .orderBy('created_at')
    .orderBy('kind')
  return rows.map((row) => `${row.kind}${row.skipped ? ' (skipped)' : ''}`).sort()
}

test.group('Billing: notices and dunning', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => mailbox.clear())

  test('the issued invoice is mailed once to every member who manages billing and to the finance mailbox, its PDF attached byte for byte', async ({
    assert,
  }) => {
    const { org: created, owner } = await givenOrg()
    const org = await billingProfile(created, {
      createdAt: '2026-03-01T10:00:00Z',
      state: 'Kerala',
    })
    await db
      .from('organizations')
      .where('id', org.id)
      .update({ billing_email: 'accounts@vidya.in' })
    const { user: admin } = await givenMember(org, 'admin') // may not manage billing: not mailed
    await issuedAt(org, '2026-10-10T10:00:00Z', 2)
    const fresh = await Organization.findOrFail(org.id)
    await CloseBillingPeriod.handle(fresh, OCTOBER, { now: ISSUED_AT })
    await QueueWorker.drain({ lanes: 1 })
    await QueueWorker.drain({ lanes: 1 })

    const invoice = await db.from('billing_invoices').where('organization_id', org.id).first()
    const file = await db.from('files').where('id', invoice.pdf_file_id).first()
    const pdfSha = sha256Hex(await drive.use().getBytes(file.path))
    for (const to of [owner.email, 'accounts@vidya.in']) {
      const mail = await mailbox.waitFor(to, new RegExp(invoice.invoice_number))
      assert.equal(
        mail.subject,
        `Tax invoice ${invoice.invoice_number} from Authentix for 1 October 2026 to 31 October 2026`
      )
      assert.include(mail.text, '₹494.00 is due by 8 November 2026.')
      assert.lengthOf(mail.attachments, 1)
      assert.containsSubset(mail.attachments[0], {
        filename: `${invoice.invoice_number}.pdf`,
        contentType: 'application/pdf',
        sha256: pdfSha,
      })
    }
    assert.isFalse(mailbox.all().some((mail) => mail.to.includes(admin.email.toLowerCase())))
    assert.deepEqual(await noticesOf(invoice.id), ['invoice_issued'])
    const again = await RunDunning.handle(ISSUED_AT.plus({ hours: 2 }))
    assert.equal(again.notices.invoice_issued, 0)
  })

  test('an unpaid invoice: a reminder on day 3, “due today” on day 7, past due on day 8, suspended on day 15; each once however often the run runs', async ({
    assert,
  }) => {
    const { org: created, owner } = await givenOrg()
    const org = await billingProfile(created, {
      createdAt: '2026-03-01T10:00:00Z',
      state: 'Kerala',
    })
    await db.from('organizations').where('id', org.id).update({ billing_status: 'active' })
    await issuedAt(org, '2026-10-10T10:00:00Z', 2)
    await CloseBillingPeriod.handle(await Organization.findOrFail(org.id), OCTOBER, {
      now: ISSUED_AT,
    })
    await QueueWorker.drain({ lanes: 1 })
    await QueueWorker.drain({ lanes: 1 })
    const invoice = await db.from('billing_invoices').where('organization_id', org.id).first()
    assert.equal(invoice.issue_date, '2026-11-01')
    assert.equal(invoice.due_date, '2026-11-08')
    const status = async () => {
      const current = await Organization.findOrFail(org.id)
      return current.billingStatus
    }

    const steps: [string, string[], string][] = [
      ['2026-11-03', ['invoice_issued'], 'active'],
      ['2026-11-04', ['invoice_issued', 'reminder_3'], 'active'],
      ['2026-11-05', ['invoice_issued', 'reminder_3'], 'active'],
      ['2026-11-08', ['invoice_issued', 'reminder_3', 'reminder_7'], 'active'],
      ['2026-11-09', ['invoice_issued', 'reminder_3', 'reminder_7', 'past_due'], 'past_due'],
      ['2026-11-15', ['invoice_issued', 'reminder_3', 'reminder_7', 'past_due'], 'past_due'],
      [
        '2026-11-16',
        ['invoice_issued', 'reminder_3', 'reminder_7', 'past_due', 'suspended'],
        'suspended',
      ],
      [
        '2026-11-20',
        ['invoice_issued', 'reminder_3', 'reminder_7', 'past_due', 'suspended'],
        'suspended',
      ],
    ]
    for (const [day, notices, expected] of steps) {
      await RunDunning.handle(dayAt(day))
      await RunDunning.handle(dayAt(day).plus({ hours: 1 }))
      assert.deepEqual(await noticesOf(invoice.id), [...notices].sort(), day)
      assert.equal(await status(), expected, day)
    }
    await QueueWorker.drain({ lanes: 1 })
    const subjects = mailbox
      .all()
      .filter((mail) => mail.to.includes(owner.email.toLowerCase()))
      .map((mail) => mail.subject)
    assert.deepEqual(subjects, [
      `Tax invoice ${invoice.invoice_number} from Authentix for 1 October 2026 to 31 October 2026`,
      `Reminder: invoice ${invoice.invoice_number} is due on 8 November 2026`,
      `Invoice ${invoice.invoice_number} is due today`,
      `Invoice ${invoice.invoice_number} is overdue`,
      `${org.name}’s Authentix account is suspended`,
    ])
    const audit = await db
      .from('app_audit_logs')
      .where('organization_id', org.id)
      .whereIn('action', ['billing.account_past_due', 'billing.account_suspended'])
      .orderBy('created_at')
    assert.deepEqual(
      audit.map((row) => row.action),
      ['billing.account_past_due', 'billing.account_suspended']
    )
  })

  test('a run that missed days sends only the gravest notice and records the milder ones as skipped', async ({
    assert,
  }) => {
    const { org: created } = await givenOrg()
    const org = await billingProfile(created, { createdAt: '2026-03-01T10:00:00Z' })
    await issuedAt(org, '2026-10-10T10:00:00Z', 1)
    await CloseBillingPeriod.handle(await Organization.findOrFail(org.id), OCTOBER, {
      now: ISSUED_AT,
    })
    const invoice = await db.from('billing_invoices').where('organization_id', org.id).first()
    const report = await RunDunning.handle(dayAt('2026-11-10'))
    assert.deepEqual(report.notices, {
      invoice_issued: 0,
      reminder_3: 0,
      reminder_7: 0,
      past_due: 1,
      suspended: 0,
    })
    assert.deepEqual(await noticesOf(invoice.id), [
      'past_due',
      'reminder_3 (skipped)',
      'reminder_7 (skipped)',
    ])
    const after = await Organization.findOrFail(org.id)
    assert.equal(after.billingStatus, 'past_due')
  })

  test('an invoice unpaid more than the grace period after its due date refuses new certificates (403 E_BILLING_PAST_DUE) before dunning has run; paid, issuing goes on at once', async ({
    client,
    assert,
  }) => {
    const { org: created } = await givenOrg()
    const org = await billingProfile(created, { createdAt: '2026-03-01T10:00:00Z' })
    await db.from('organizations').where('id', org.id).update({ billing_status: 'active' })
    await issuedAt(org, '2026-10-10T10:00:00Z', 1)
    await CloseBillingPeriod.handle(await Organization.findOrFail(org.id), OCTOBER, {
      now: ISSUED_AT,
    })
    const invoice = await db.from('billing_invoices').where('organization_id', org.id).first()
    const { secret } = await givenApiKey(org)
    const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
    const job = {
      template_ids: [template.id],
      recipients: [
        { recipient_name: 'Asha', recipient_email: 'asha@example.com', course_name: 'Pottery' },
      ],
      start: false,
    }
    // Due on 8 November; today is more than 7 days later.
    const refused = await client.post('/api/v1/generation-jobs').bearerToken(secret).json(job)
    refused.assertStatus(403)
    assert.equal(refused.body().errors[0].code, 'E_BILLING_PAST_DUE')
    assert.include(refused.body().errors[0].message, `Invoice ${invoice.invoice_number}`)
    assert.include(refused.body().errors[0].message, 'was due on 8 November 2026')

    await db
      .from('billing_invoices')
      .where('id', invoice.id)
      .update({ status: 'paid', amount_paid_paise: invoice.total_paise, amount_due_paise: 0 })
    const accepted = await client.post('/api/v1/generation-jobs').bearerToken(secret).json(job)
    accepted.assertStatus(202)
  })
})
