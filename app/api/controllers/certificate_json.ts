import router from '@adonisjs/core/services/router'
import { appUrl } from '#config/app'
import type Certificate from '#certificates/models/certificate'
import type GenerationJob from '#certificates/models/generation_job'
import { qrPayloadUrl, verificationUrl } from '#certificates/services/verification_links'

const iso = (value: { toUTC(): { toISO(): string | null } } | null) =>
  value ? value.toUTC().toISO() : null

/** A job as the contract has it (`GET /api/v1/generation-jobs/:id`) plus what a script needs to follow it. */
export function jobJson(job: GenerationJob, templateIds?: string[]) {
  const finished = job.isFinished
  return {
    id: job.id,
    status: job.status,
    total: job.totalItems,
    completed: job.completedItems,
    failed: job.failedItems,
    created_at: iso(job.createdAt),
    started_at: iso(job.startedAt),
    finished_at: iso(job.finishedAt),
    cancelled_at: iso(job.cancelledAt),
    export_url:
      finished && job.completedItems > 0
        ? `${appUrl}${router.builder().params({ id: job.id }).make('api.generation_job_exports.show')}`
        : null,
    name: job.name,
    import_id: job.importJobId,
    recipients: job.recipientCount,
    templates: job.templateCount,
    ...(templateIds ? { template_ids: templateIds } : {}),
    issued_at: job.issueDate,
    expires_at: job.expiryMode === 'date' ? job.expiryDate : null,
    expires_in_months: job.expiryMode === 'months' ? job.expiryMonths : null,
    failure_message: job.failureMessage,
  }
}

/** A certificate as the contract has it (`GET /api/v1/certificates/:id`). */
export function certificateJson(certificate: Certificate) {
  return {
    id: certificate.id,
    certificate_number: certificate.certificateNumber,
    status: certificate.status,
    title: certificate.title,
    recipient_name: certificate.recipientName,
    recipient_email: certificate.recipientEmail,
    recipient_phone: certificate.recipientPhone,
    recipient_data: certificate.recipientData,
    template_id: certificate.templateId,
    template_version_id: certificate.templateVersionId,
    generation_job_id: certificate.generationJobId,
    issue_date: certificate.issueDate,
    expiry_date: certificate.expiryDate,
    issued_at: iso(certificate.issuedAt),
    expires_at: iso(certificate.expiresAt),
    revoked_at: iso(certificate.revokedAt),
    revocation_reason: certificate.revocationReason,
    superseded_by_id: certificate.supersededByCertificateId,
    reissued_from_id: certificate.reissuedFromCertificateId,
    verification_url: verificationUrl(certificate.id),
    qr_payload_url: qrPayloadUrl(certificate.id),
    pdf_url: `${appUrl}${router.builder().params({ id: certificate.id }).make('api.certificate_pdfs.show')}`,
    sha256: certificate.sha256,
  }
}
