import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import type CertificateTemplate from '#templates/models/certificate_template'
import CertificateTemplateField from '#templates/models/certificate_template_field'
import OrgTemplates from '#templates/queries/org_templates'

export interface ChangeTemplateStatusInput {
  org: Organization
  templateId: string
  /**
   * `active`: ready to issue from; `archived`: hidden and frozen; `draft`: back to work (also
   * restores an archived one).
   */
  to: 'active' | 'archived' | 'draft'
  actorUserId: string | null
  origin?: AuditInput['origin']
  via?: 'web' | 'api'
}

export type ChangeTemplateStatusResult =
  | { kind: 'changed'; template: CertificateTemplate; from: CertificateTemplate['status'] }
  | { kind: 'unchanged'; template: CertificateTemplate }
  | { kind: 'not_found' }
  | { kind: 'no_fields'; template: CertificateTemplate }
  | { kind: 'archived'; template: CertificateTemplate }

/**
 * Status is not part of a version: activating, archiving and restoring
 * change the template row only (versions and certificates stay as they are).
 * A template without fields cannot be activated (it would issue blank
 * pages); an archived one is restored to draft before it can be activated.
 */
export default class ChangeTemplateStatus {
  static async handle(input: ChangeTemplateStatusInput): Promise<ChangeTemplateStatusResult> {
    return db.transaction(async (trx) => {
      const template = await OrgTemplates.find(input.org, input.templateId, trx)
      if (!template) return { kind: 'not_found' as const }
      const from = template.status
      if (from === input.to) return { kind: 'unchanged' as const, template }
      if (input.to === 'active') {
        if (from === 'archived') return { kind: 'archived' as const, template }
        const fields = await CertificateTemplateField.query({ client: trx })
          .where('template_version_id', template.currentVersionId!)
          .count('* as total')
        if (Number(fields[0].$extras.total) === 0) return { kind: 'no_fields' as const, template }
      }
      template.status = input.to
      template.archivedAt = input.to === 'archived' ? DateTime.utc() : null
      await template.useTransaction(trx).save()
      await RecordAudit.handle(
        {
          action:
            input.to === 'archived'
              ? 'template.archived'
              : from === 'archived'
                ? 'template.restored'
                : input.to === 'active'
                  ? 'template.activated'
                  : 'template.deactivated',
          organizationId: input.org.id,
          actorUserId: input.actorUserId,
          entityType: 'template',
          entityId: template.id,
          origin: input.origin,
          metadata: { name: template.name, from, to: input.to, via: input.via ?? 'web' },
        },
        trx
      )
      return { kind: 'changed' as const, template, from }
    })
  }
}
