import db from '@adonisjs/lucid/services/db'
import type { AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import type CertificateTemplate from '#templates/models/certificate_template'
import OrgTemplates from '#templates/queries/org_templates'
import {
  type TaxonomyChoice,
  type TaxonomyProblem,
  resolveTaxonomy,
} from '#templates/queries/template_taxonomy'
import { auditInOrg } from '#orgs/actions/org_audit'

export interface UpdateTemplateDetailsInput {
  org: Organization
  templateId: string
  name: string
  taxonomy: TaxonomyChoice
  actorUserId: string | null
  origin?: AuditInput['origin']
}

export type UpdateTemplateDetailsResult =
  { kind: 'updated'; template: CertificateTemplate } | { kind: 'not_found' } | TaxonomyProblem

/** Name and category are the template's, not a version's: changing them makes no new version. */
export default class UpdateTemplateDetails {
  static async handle(input: UpdateTemplateDetailsInput): Promise<UpdateTemplateDetailsResult> {
    const taxonomy = await resolveTaxonomy(input.org, input.taxonomy)
    if (taxonomy.kind !== 'ok') return taxonomy
    return db.transaction(async (trx) => {
      const template = await OrgTemplates.find(input.org, input.templateId, trx)
      if (!template) return { kind: 'not_found' as const }
      const before = {
        name: template.name,
        category_id: template.categoryId,
        subcategory_id: template.subcategoryId,
      }
      template.merge({
        name: input.name.trim(),
        categoryId: taxonomy.categoryId,
        subcategoryId: taxonomy.subcategoryId,
      })
      await template.useTransaction(trx).save()
      await auditInOrg(
        trx,
        input,
        'template.updated',
        { type: 'template', id: template.id },
        {
          before,
          after: {
            name: template.name,
            category_id: template.categoryId,
            subcategory_id: template.subcategoryId,
          },
        }
      )
      return { kind: 'updated' as const, template }
    })
  }
}
