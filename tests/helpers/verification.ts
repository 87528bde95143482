import { DateTime } from 'luxon'
import StoredFile from '#core/models/stored_file'
import { readDocument } from '#core/queries/org_files'
import type Organization from '#orgs/models/organization'
import Certificate from '#certificates/models/certificate'
import { verificationToken } from '#certificates/services/verification_links'
import { verificationEvents } from '#certificates/services/verification_event_buffer'
import type { ExpiryChoice } from '#certificates/services/issuance_rows'
import { givenJob, runJobs } from '#tests/helpers/certificates'

/** `count` certificates of `org`, issued for real (rendered, stored, hashed), in recipient order. */
export async function givenIssued(
  org: Organization,
  options: { count?: number; expiry?: ExpiryChoice; issueDate?: string } = {}
) {
  const { job } = await givenJob(org, {
    count: options.count ?? 1,
    expiry: options.expiry,
    issueDate: options.issueDate,
  })
  await runJobs(job.id)
  const certificates = await Certificate.query()
    .where('generation_job_id', job.id)
    .orderBy('sequence_number', 'asc')
  if (
    certificates.length !== (options.count ?? 1) ||
    certificates.some((c) => c.status !== 'issued')
  )
    throw new Error('job did not issue every certificate')
  return certificates
}

/**
 * Writes the views waiting in the app's buffer (they are written in batches, up to 250 ms after
 * the request): call it before reading `certificate_verification_events`.
 */
export function flushVerificationEvents() {
  return verificationEvents.flush()
}

/** The raw token of a certificate's link, as its QR code and emails carry it. */
export const tokenOf = (certificate: Certificate) => verificationToken(certificate.id)

export async function revoke(certificate: Certificate, reason = 'Issued in error') {
  certificate.merge({
    status: 'revoked',
    revokedAt: DateTime.fromISO('2026-04-02T09:30:00Z'),
    revocationReason: reason,
  })
  return certificate.save()
}

export async function supersede(certificate: Certificate, by: Certificate) {
  certificate.merge({
    status: 'superseded',
    supersededByCertificateId: by.id,
    supersededAt: DateTime.fromISO('2026-04-05T11:00:00Z'),
  })
  return certificate.save()
}

/** Expired by the nightly job (`status: expired`) or, with `{ statusLeft: true }`, only by date (still `issued`). */
export async function expire(certificate: Certificate, options: { statusLeft?: boolean } = {}) {
  const expiresAt = DateTime.utc().startOf('day').minus({ days: 10 })
  certificate.merge({
    status: options.statusLeft ? 'issued' : 'expired',
    expiryDate: expiresAt.minus({ days: 1 }).toISODate()!,
    expiresAt,
  })
  return certificate.save()
}

/** The exact PDF bytes issued for a certificate (what its recipient was sent). */
export async function issuedPdf(certificate: Certificate) {
  return readDocument(await StoredFile.findOrFail(certificate.certificateFileId))
}

/** The same PDF with one byte changed, somewhere in the middle. */
export function tampered(bytes: Uint8Array) {
  const copy = new Uint8Array(bytes)
  const at = Math.floor(copy.length / 2)
  copy[at] = copy[at] ^ 0x01
  return copy
}
