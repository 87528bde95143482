import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import type CertificateTemplate from '#templates/models/certificate_template'
import type { TemplateTransition } from '#templates/models/certificate_template'
import OrgTemplates from '#templates/queries/org_templates'
import { auditInOrg } from '#orgs/actions/org_audit'

/** Who moves which template; the same input for activating, deactivating, archiving and restoring. */
export interface TemplateStatusInput {
  org: Organization
  templateId: string
  actorUserId: string | null
  origin?: AuditInput['origin']
  via?: 'web' | 'api'
}

export type TemplateStatusResult =
  | { kind: 'changed'; template: CertificateTemplate; from: CertificateTemplate['status'] }
  | { kind: 'unchanged'; template: CertificateTemplate }
  | { kind: 'not_found' }
  | { kind: 'no_fields'; template: CertificateTemplate }
  | { kind: 'archived'; template: CertificateTemplate }

/**
 * The step the four status actions share: lock the template (through the
 * org), apply the model's transition, save it and audit it in one
 * transaction. Status is not part of a version: versions and certificates
 * stay as they are.
 */
export async function changeTemplateStatus(
  input: TemplateStatusInput,
  move: (
    template: CertificateTemplate,
    trx: TransactionClientContract
  ) => Promise<TemplateTransition>
): Promise<TemplateStatusResult> {
  return db.transaction(async (trx) => {
    const template = await OrgTemplates.find(input.org, input.templateId, trx)
    if (!template) return { kind: 'not_found' as const }
    const transition = await move(template, trx)
    if (transition.kind !== 'changed') return { ...transition, template }
    await template.useTransaction(trx).save()
    await auditInOrg(
      trx,
      input,
      transition.event,
      { type: 'template', id: template.id },
      {
        name: template.name,
        from: transition.from,
        to: template.status,
        via: input.via ?? 'web',
      }
    )
    return { kind: 'changed' as const, template, from: transition.from }
  })
}
