import db from '@adonisjs/lucid/services/db'
import drive from '@adonisjs/drive/services/main'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { v7 as uuidv7 } from 'uuid'
import billing from '#config/billing'
import { defineJob } from '#core/queue/registry'
import { Queue } from '#core/queue/queue'
import { rowsOf } from '#core/services/bulk_insert'
import { dbTimestamp } from '#core/services/database_time'
import { formatDate, formatMoney } from '#core/services/formatting'
import Organization from '#orgs/models/organization'
import { billingContactsOf, mailBillingContacts } from '#billing/services/billing_mail'
import BillingInvoice from '#billing/models/billing_invoice'
import { DateTime } from 'luxon'

/** What an org is told about an invoice, each once (`billing_invoice_notices`). */
export type NoticeKind = 'invoice_issued' | 'reminder_3' | 'reminder_7' | 'past_due' | 'suspended'

/**
 * Records notices of an invoice (unique per invoice and kind: a notice
 * already recorded is left alone) and enqueues the mail of the one to send,
 * in the caller's transaction. Returns whether that one was new.
 */
export async function recordNotices(
  trx: TransactionClientContract,
  invoice: Pick<BillingInvoice, 'id' | 'organizationId'>,
  send: NoticeKind,
  skipped: NoticeKind[] = []
) {
  const stamp = dbTimestamp(trx)
  let sent = false
  for (const kind of [...skipped, send]) {
    const id = uuidv7()
    const inserted = rowsOf<{ id: string }>(
      await trx.rawQuery(
        `INSERT INTO billing_invoice_notices (id, organization_id, invoice_id, kind, skipped, created_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (invoice_id, kind) DO NOTHING RETURNING id`,
        [id, invoice.organizationId, invoice.id, kind, kind !== send, stamp]
      )
    )
    if (kind === send && inserted.length > 0) {
      await Queue.enqueue(
        trx,
        sendInvoiceNotices,
        { noticeIds: [id] },
        { organizationId: invoice.organizationId, subjectId: invoice.id }
      )
      sent = true
    }
  }
  return sent
}

/** Each invoice's "issued" notice at once (its PDF just stored), mailed by one job per batch. */
export async function recordIssuedNotices(
  trx: TransactionClientContract,
  invoices: Pick<BillingInvoice, 'id' | 'organizationId'>[]
) {
  if (invoices.length === 0) return
  const stamp = dbTimestamp(trx)
  const inserted = rowsOf<{ id: string }>(
    await trx.rawQuery(
      `INSERT INTO billing_invoice_notices (id, organization_id, invoice_id, kind, skipped, created_at)
       VALUES ${invoices.map(() => "(?, ?, ?, 'invoice_issued', ?, ?)").join(', ')}
       ON CONFLICT (invoice_id, kind) DO NOTHING RETURNING id`,
      invoices.flatMap((invoice) => [uuidv7(), invoice.organizationId, invoice.id, false, stamp])
    )
  )
  if (inserted.length === 0) return
  await Queue.enqueue(
    trx,
    sendInvoiceNotices,
    { noticeIds: inserted.map((row) => row.id) },
    invoices.length === 1
      ? { organizationId: invoices[0].organizationId, subjectId: invoices[0].id }
      : {}
  )
}

interface NoticeContent {
  subject: string
  heading: string
  paragraphs: string[]
  linkText: string
}

function dayOf(value: string | null) {
  return value ? formatDate(value, { long: true }) : ''
}

function suspensionDay(invoice: BillingInvoice) {
  return DateTime.fromISO(invoice.dueDate ?? invoice.issueDate)
    .plus({ days: billing.graceDays })
    .toISODate()
}

/** The words of each notice. */
export function noticeContent(kind: NoticeKind, invoice: BillingInvoice, org: Organization) {
  const document = invoice.documentName
  const period = invoice.periodStart
    ? `${dayOf(invoice.periodStart)} to ${dayOf(invoice.periodEnd)}`
    : null
  const due = formatMoney(invoice.amountDuePaise)
  const contents: Record<NoticeKind, NoticeContent> = {
    invoice_issued: {
      subject: `${document} ${invoice.invoiceNumber} from Authentix${period ? ` for ${period}` : ''}`,
      heading: `${document} ${invoice.invoiceNumber}`,
      paragraphs: [
        invoice.kind === 'credit_note'
          ? `A credit note for ${org.name} is attached.`
          : invoice.kind === 'receipt_voucher'
            ? `We received ${formatMoney(invoice.totalPaise)} from ${org.name} as an advance: its receipt voucher is attached. It is added to your prepaid balance, which pays your invoices before anything else.`
            : `${org.name}’s tax invoice${period ? ` for ${period}` : ''} is attached.${
                invoice.amountDuePaise > 0
                  ? ` ${due} is due by ${dayOf(invoice.dueDate)}.`
                  : ' Nothing is due: it is settled already.'
              }`,
      ],
      linkText:
        invoice.amountDuePaise > 0 ? 'Pay it on your billing page' : 'Open your billing page',
    },
    reminder_3: {
      subject: `Reminder: invoice ${invoice.invoiceNumber} is due on ${dayOf(invoice.dueDate)}`,
      heading: `Invoice ${invoice.invoiceNumber} is due on ${dayOf(invoice.dueDate)}`,
      paragraphs: [
        `${due} is still due on ${org.name}’s invoice. Pay it by ${dayOf(invoice.dueDate)} to keep issuing certificates without interruption.`,
      ],
      linkText: 'Pay it now',
    },
    reminder_7: {
      subject: `Invoice ${invoice.invoiceNumber} is due today`,
      heading: `Invoice ${invoice.invoiceNumber} is due today`,
      paragraphs: [
        `${due} is due today on ${org.name}’s invoice. After today the account is past due; after ${billing.graceDays} more days it is suspended and no new certificates can be issued.`,
      ],
      linkText: 'Pay it now',
    },
    past_due: {
      subject: `Invoice ${invoice.invoiceNumber} is overdue`,
      heading: `Invoice ${invoice.invoiceNumber} is overdue`,
      paragraphs: [
        `${due} was due on ${dayOf(invoice.dueDate)} and is still unpaid, so ${org.name}’s account is past due.`,
        `Pay it before ${dayOf(suspensionDay(invoice))} or the account is suspended: no new certificates can be issued until it is paid.`,
      ],
      linkText: 'Pay it now',
    },
    suspended: {
      subject: `${org.name}’s Authentix account is suspended`,
      heading: 'Your account is suspended',
      paragraphs: [
        `Invoice ${invoice.invoiceNumber} (${due}) is unpaid ${billing.graceDays} days after it was due, so ${org.name} cannot issue new certificates.`,
        'Paying it restores the account at once.',
      ],
      linkText: 'Pay it now',
    },
  }
  return contents[kind]
}

/**
 * Mails notices to their orgs' billing contacts (members who may manage
 * billing, and the finance mailbox), an invoice's PDF attached to the
 * invoice itself, then marks them sent. At least once: an attempt that
 * failed after some mails had gone sends those again.
 */
export const sendInvoiceNotices = defineJob<{ noticeIds: string[] }>('billing.send_notices', {
  async perform(job) {
    const notices = await db
      .from('billing_invoice_notices')
      .whereIn('id', job.payload.noticeIds)
      .whereNull('sent_at')
    if (notices.length === 0) return
    const invoiceRows = await BillingInvoice.query().whereIn(
      'id',
      notices.map((notice) => notice.invoice_id)
    )
    const invoices = new Map(invoiceRows.map((invoice) => [invoice.id, invoice]))
    const orgRows = await Organization.query().whereIn(
      'id',
      invoiceRows.map((invoice) => invoice.organizationId)
    )
    const orgs = new Map(orgRows.map((org) => [org.id, org]))
    const contacts = await billingContactsOf(orgRows)
    const sentTo = new Map<string, string[]>()
    for (const notice of notices) {
      const invoice = invoices.get(notice.invoice_id)!
      const org = orgs.get(invoice.organizationId)!
      const recipients = contacts.get(org.id) ?? []
      sentTo.set(notice.id, recipients)
      if (recipients.length === 0) continue
      await mailNotice(notice.kind as NoticeKind, invoice, org, recipients)
    }
    await db.transaction(async (trx) => {
      await job.fence(trx)
      const stamp = dbTimestamp(trx)
      for (const notice of notices) {
        await trx
          .from('billing_invoice_notices')
          .where('id', notice.id)
          .update({ sent_at: stamp, sent_to: JSON.stringify(sentTo.get(notice.id) ?? []) })
      }
      await job.complete(trx)
    })
  },
})

async function mailNotice(
  kind: NoticeKind,
  invoice: BillingInvoice,
  org: Organization,
  recipients: string[]
) {
  const content = noticeContent(kind, invoice, org)
  const attachments = []
  if (kind === 'invoice_issued' && invoice.pdfFileId) {
    const file = await db.from('files').where('id', invoice.pdfFileId).select('path').first()
    attachments.push({
      filename: `${invoice.invoiceNumber}.pdf`,
      content: await drive.use().getBytes(file.path),
      contentType: 'application/pdf',
    })
  }
  await mailBillingContacts(
    org,
    recipients,
    {
      ...content,
      facts: [
        [invoice.documentName, invoice.invoiceNumber],
        ['Issued', dayOf(invoice.issueDate)],
        ['Total (with GST)', formatMoney(invoice.totalPaise)],
        ...(invoice.kind === 'invoice'
          ? [['Due', formatMoney(invoice.amountDuePaise)] as const]
          : []),
      ],
    },
    attachments
  )
}
