import db from '@adonisjs/lucid/services/db'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import type Certificate from '#certificates/models/certificate'
import OrgCertificates from '#certificates/queries/org_certificates'

export interface RevokeCertificateInput {
  org: Organization
  certificateId: string
  reason: string
  actorUserId: string | null
  origin?: AuditInput['origin']
  via?: 'web' | 'api'
}

export type FieldProblem = { code: string; message: string; field: string }

export type RevokeCertificateResult =
  | { kind: 'revoked'; certificate: Certificate }
  | { kind: 'not_found' }
  | { kind: 'invalid'; errors: FieldProblem[] }
  | { kind: 'not_in_force'; code: 'E_NOT_IN_FORCE'; message: string }

export const MAX_REASON = 500

/** Revoked with a reason, which its verification page then shows with the date. */
export default class RevokeCertificate {
  static async handle(input: RevokeCertificateInput): Promise<RevokeCertificateResult> {
    const reason = (input.reason ?? '').trim().replace(/\s+/g, ' ')
    return db.transaction(async (trx) => {
      // Another org's id is a 404 whatever the input.
      const certificate = await OrgCertificates.find(input.org, input.certificateId, trx)
      if (!certificate) return { kind: 'not_found' as const }
      const problem = reasonProblem(reason)
      if (problem) return { kind: 'invalid' as const, errors: [problem] }
      const revoked = certificate.revoke({ userId: input.actorUserId, reason })
      if (revoked.kind === 'not_in_force')
        return {
          kind: 'not_in_force' as const,
          code: 'E_NOT_IN_FORCE' as const,
          message: `This certificate is already ${revoked.status}; only a valid or expired certificate can be revoked.`,
        }
      await certificate.useTransaction(trx).save()
      await RecordAudit.handle(
        {
          action: 'certificate.revoked',
          organizationId: input.org.id,
          actorUserId: input.actorUserId,
          entityType: 'certificate',
          entityId: certificate.id,
          origin: input.origin,
          metadata: { reason, number: certificate.certificateNumber, via: input.via ?? 'web' },
        },
        trx
      )
      return { kind: 'revoked' as const, certificate }
    })
  }
}

function reasonProblem(reason: string): FieldProblem | null {
  if (!reason)
    return {
      code: 'E_REASON_REQUIRED',
      message: 'Say why the certificate is revoked; the reason is shown on its verification page.',
      field: 'reason',
    }
  if (reason.length > MAX_REASON)
    return {
      code: 'E_REASON_TOO_LONG',
      message: `The reason can be at most ${MAX_REASON} characters.`,
      field: 'reason',
    }
  return null
}
