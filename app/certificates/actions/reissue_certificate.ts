import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import StoreFile from '#core/actions/store_file'
import { deleteObjects } from '#core/actions/store_objects'
import { formatCertificateNumber } from '#core/services/certificate_number'
import { storageKey } from '#core/services/storage_keys'
import { v7 as uuidv7 } from 'uuid'
import type Organization from '#orgs/models/organization'
import { FIELD_KEY_PATTERN } from '#templates/services/field_spec'
import {
  hasLetter,
  normaliseEmail,
  normaliseName,
  normalisePhone,
} from '#imports/services/normalise'
import Certificate from '#certificates/models/certificate'
import OrgCertificates from '#certificates/queries/org_certificates'
import { allocateNumbers } from '#certificates/services/numbering'
import { documentInfoFor, renderRow } from '#certificates/services/issuance_rows'
import { verificationTokenHash } from '#certificates/services/verification_links'
import { renderDocument } from '#certificates/services/render_threads'
import { cachedSnapshot } from '#certificates/services/snapshot_cache'
import RecordCertificateUsage from '#certificates/actions/record_certificate_usage'
import type { FieldProblem } from '#certificates/actions/revoke_certificate'

export interface ReissueCertificateInput {
  org: Organization
  certificateId: string
  /** Corrected values by key; which keys may change, and how they are normalised, is this action's rule. */
  changes: Record<string, unknown>
  actorUserId: string | null
  origin?: AuditInput['origin']
  via?: 'web' | 'api'
}

export type ReissueCertificateResult =
  | { kind: 'reissued'; certificate: Certificate; previous: Certificate }
  | { kind: 'not_found' }
  | { kind: 'invalid'; errors: FieldProblem[] }
  | { kind: 'not_in_force'; code: 'E_NOT_IN_FORCE'; message: string }

const notInForce = (previous: Certificate) => ({
  kind: 'not_in_force' as const,
  code: 'E_NOT_IN_FORCE' as const,
  message: `This certificate is ${previous.status}; only a valid or expired certificate can be reissued.`,
})

export default class ReissueCertificate {
  /**
   * A corrected certificate: a new number and a new PDF (same template
   * version, same issue and expiry dates, the corrected data), issued in
   * one transaction that also marks the old one superseded by it. The
   * number is taken first, so on SQLite the transaction holds the write
   * lock before it reads; a failure anywhere returns the number.
   */
  static async handle(input: ReissueCertificateInput): Promise<ReissueCertificateResult> {
    // Another org's id is a 404 whatever the input (looked up again under the lock below).
    if (!(await OrgCertificates.find(input.org, input.certificateId))) return { kind: 'not_found' }
    const checked = checkCorrections(input.changes, input.org.phoneDefaultCountry ?? 'IN')
    if (checked.kind === 'invalid') return checked
    let storedKey: string | null = null
    try {
      return await db.transaction(async (trx) => {
        const sequence = await allocateNumbers(trx, input.org.id, 1)
        const previous = await OrgCertificates.find(input.org, input.certificateId, trx)
        if (!previous) throw new Rollback({ kind: 'not_found' })
        if (!previous.isInForce) throw new Rollback(notInForce(previous))
        const data = { ...previous.recipientData, ...checked.data }
        const id = uuidv7()
        const certificate = new Certificate()
        certificate.merge({
          id,
          organizationId: input.org.id,
          generationJobId: previous.generationJobId,
          generationJobRecipientId: null,
          generationJobChunkId: null,
          templateId: previous.templateId,
          templateVersionId: previous.templateVersionId,
          categoryId: previous.categoryId,
          subcategoryId: previous.subcategoryId,
          title: (data.course_name ?? '').trim() || previous.title,
          recipientName: data.recipient_name ?? previous.recipientName,
          recipientEmail:
            'recipient_email' in data ? data.recipient_email || null : previous.recipientEmail,
          recipientPhone:
            'recipient_phone' in data ? data.recipient_phone || null : previous.recipientPhone,
          recipientData: data,
          certificateNumber: formatCertificateNumber(input.org.certificateNumberFormat, {
            prefix: input.org.certificateNumberPrefix,
            date: new Date(`${previous.issueDate}T00:00:00Z`),
            sequence,
          }),
          sequenceNumber: sequence,
          status: 'issued',
          issueDate: previous.issueDate,
          expiryDate: previous.expiryDate,
          expiresAt: previous.expiresAt,
          issuedAt: DateTime.utc(),
          reissuedFromCertificateId: previous.id,
          verificationTokenHash: verificationTokenHash(id),
          createdBy: input.actorUserId,
        })
        const snapshot = await cachedSnapshot(input.org.id, previous.templateVersionId)
        const rendered = await renderDocument(
          snapshot,
          renderRow({
            id,
            recipientName: certificate.recipientName,
            recipientEmail: certificate.recipientEmail,
            recipientPhone: certificate.recipientPhone,
            recipientData: certificate.recipientData,
            certificateNumber: certificate.certificateNumber,
            issueDate: certificate.issueDate,
            expiryDate: certificate.expiryDate,
          }),
          documentInfoFor(certificate, {
            title: certificate.title,
            issuer: input.org.name,
            createdAt: certificate.issuedAt!.toJSDate(),
          })
        )
        const key = storageKey({
          root: 'certificates',
          orgId: input.org.id,
          parts: [
            previous.generationJobId ?? 'reissues',
            previous.generationJobRecipientId ?? previous.reissuedFromCertificateId ?? previous.id,
            `${id}.pdf`,
          ],
        })
        const file = await StoreFile.handle(
          {
            orgId: input.org.id,
            kind: 'certificate_pdf',
            key,
            bytes: rendered.pdf,
            mime: 'application/pdf',
            createdBy: input.actorUserId,
          },
          trx
        )
        storedKey = key
        certificate.certificateFileId = file.id
        certificate.sha256 = rendered.sha256
        await certificate.useTransaction(trx).save()
        if (previous.supersedeBy(certificate).kind !== 'ok')
          throw new Rollback(notInForce(previous))
        await previous.useTransaction(trx).save()
        await RecordCertificateUsage.handle(trx, {
          organizationId: input.org.id,
          jobId: previous.generationJobId,
          certificateIds: [certificate.id],
          reissueOf: { certificateId: previous.id, issuedAt: previous.issuedAt?.toISO() ?? null },
        })
        await RecordAudit.handle(
          {
            action: 'certificate.reissued',
            organizationId: input.org.id,
            actorUserId: input.actorUserId,
            entityType: 'certificate',
            entityId: certificate.id,
            origin: input.origin,
            metadata: {
              reissued_from: previous.id,
              previous_number: previous.certificateNumber,
              number: certificate.certificateNumber,
              changed: Object.keys(checked.data),
              via: input.via ?? 'web',
            },
          },
          trx
        )
        return { kind: 'reissued' as const, certificate, previous }
      })
    } catch (error) {
      if (storedKey) await deleteObjects([storedKey])
      if (error instanceof Rollback) return error.result
      throw error
    }
  }
}

/** Leaves a transaction with a result instead of an error. */
class Rollback extends Error {
  constructor(readonly result: Exclude<ReissueCertificateResult, { kind: 'reissued' }>) {
    super(result.kind)
  }
}

/** Corrected values: our keys normalised and checked like an import's, custom keys as text. */
function checkCorrections(
  changes: Record<string, unknown>,
  country: string
): { kind: 'ok'; data: Record<string, string> } | { kind: 'invalid'; errors: FieldProblem[] } {
  const data: Record<string, string> = {}
  const errors: FieldProblem[] = []
  for (const [key, raw] of Object.entries(changes ?? {})) {
    if (raw === undefined) continue
    if (
      !FIELD_KEY_PATTERN.test(key) ||
      ['certificate_number', 'verification_url', 'issue_date', 'expiry_date'].includes(key)
    ) {
      errors.push({
        code: 'E_FIELD_NOT_CORRECTABLE',
        message: `"${key}" cannot be corrected on a reissue.`,
        field: key,
      })
      continue
    }
    const value = raw === null ? '' : String(raw)
    if (value.length > 500) {
      errors.push({ code: 'E_TOO_LONG', message: 'At most 500 characters.', field: key })
      continue
    }
    if (key === 'recipient_name') {
      const name = normaliseName(value)
      if (!name)
        errors.push({
          code: 'E_REQUIRED',
          message: 'The recipient name cannot be empty.',
          field: key,
        })
      else if (!hasLetter(name))
        errors.push({
          code: 'E_NAME_NO_LETTERS',
          message: `"${value.trim()}" has no letters (only marks or symbols), so the certificate would show no name.`,
          field: key,
        })
      else data[key] = name
    } else if (key === 'recipient_email') {
      if (value.trim() === '') data[key] = ''
      else {
        const email = normaliseEmail(value)
        if (!email)
          errors.push({
            code: 'E_INVALID_EMAIL',
            message: `"${value.trim()}" is not an email address.`,
            field: key,
          })
        else data[key] = email
      }
    } else if (key === 'recipient_phone') {
      if (value.trim() === '') data[key] = ''
      else {
        const phone = normalisePhone(value, country)
        if (!phone)
          errors.push({
            code: 'E_INVALID_PHONE',
            message: `"${value.trim()}" is not a valid phone number.`,
            field: key,
          })
        else data[key] = phone
      }
    } else {
      data[key] = value.trim()
    }
  }
  if (errors.length) return { kind: 'invalid', errors }
  if (Object.keys(data).length === 0)
    return {
      kind: 'invalid',
      errors: [
        {
          code: 'E_NO_CHANGES',
          message: 'Give at least one corrected value.',
          field: 'recipient_name',
        },
      ],
    }
  return { kind: 'ok', data }
}
