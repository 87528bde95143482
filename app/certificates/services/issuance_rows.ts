import { DateTime } from 'luxon'
import type { DataRow, DocumentInfo } from '#templates/services/prepared_template'
import type { ExpiryMode } from '#certificates/models/generation_job'
import { emptyRecord } from '#core/services/own_keys'
import { qrPayloadUrl, verificationUrl } from '#certificates/services/verification_links'

/**
 * What a certificate prints, from its recipient's data and the job's
 * choices: a date in the recipient's row (a completion date mapped to
 * `issue_date`, an `expiry_date` column) wins over the job's.
 */

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/

export function isIsoDate(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    ISO_DATE.test(value) &&
    DateTime.fromISO(value, { zone: 'utc' }).isValid
  )
}

export interface ExpiryChoice {
  mode: ExpiryMode
  date?: string | null
  months?: number | null
}

export function issueDateFor(data: Record<string, string>, jobIssueDate: string) {
  return isIsoDate(data.issue_date) ? data.issue_date : jobIssueDate
}

export function expiryDateFor(
  data: Record<string, string>,
  issueDate: string,
  expiry: ExpiryChoice
): string | null {
  if (isIsoDate(data.expiry_date)) return data.expiry_date
  if (expiry.mode === 'date' && expiry.date) return expiry.date
  if (expiry.mode === 'months' && expiry.months) {
    return DateTime.fromISO(issueDate, { zone: 'utc' }).plus({ months: expiry.months }).toISODate()
  }
  return null
}

/** Valid through its expiry date: it expires at the start of the next day (UTC). */
export function expiresAtFor(expiryDate: string | null): DateTime | null {
  return expiryDate
    ? DateTime.fromISO(expiryDate, { zone: 'utc' }).plus({ days: 1 }).startOf('day')
    : null
}

export function titleFor(data: Record<string, string>, templateName: string) {
  return (data.course_name ?? '').trim() || templateName
}

export interface CertificateFacts {
  id: string
  recipientName: string
  recipientEmail: string | null
  recipientPhone: string | null
  recipientData: Record<string, string>
  certificateNumber: string
  issueDate: string
  expiryDate: string | null
}

/**
 * The renderer's row for a certificate: the recipient's keys plus what
 * issuance fills in, in a record without a prototype (keys are the org's).
 */
export function renderRow(facts: CertificateFacts): DataRow {
  return Object.assign(emptyRecord<DataRow[string]>(), facts.recipientData, {
    recipient_name: facts.recipientName,
    recipient_email: facts.recipientEmail ?? '',
    recipient_phone: facts.recipientPhone ?? '',
    certificate_number: facts.certificateNumber,
    issue_date: facts.issueDate,
    expiry_date: facts.expiryDate ?? '',
    verification_url: qrPayloadUrl(facts.id),
  })
}

/**
 * What the certificate's file says about itself (Info and XMP): the title a
 * reader's tab shows, the issuer, the number, and the verification link, so
 * a copy re-saved by another tool can still be traced to what was issued.
 */
export function documentInfoFor(
  facts: Pick<CertificateFacts, 'id' | 'recipientName' | 'certificateNumber'>,
  context: { title: string; issuer: string; createdAt: Date }
): DocumentInfo {
  const link = verificationUrl(facts.id)
  return {
    title: `${context.title} — ${facts.recipientName}`,
    author: context.issuer,
    subject: `Certificate ${facts.certificateNumber} issued by ${context.issuer} to ${facts.recipientName}. Verify it at ${link}`,
    keywords: facts.certificateNumber,
    createdAt: context.createdAt,
    identifier: link,
    lang: 'en-IN',
  }
}
