import db from '@adonisjs/lucid/services/db'
import { auditInOrg, type OrgActing } from '#orgs/actions/org_audit'
import type DeliveryTemplate from '#deliveries/models/delivery_template'
import OrgDeliveryTemplates from '#deliveries/queries/org_delivery_templates'

export type RemoveDeliveryTemplateInput = OrgActing & { templateId: string }

export type RemoveDeliveryTemplateResult =
  { kind: 'removed'; template: DeliveryTemplate; wasDefault: boolean } | { kind: 'not_found' }

/**
 * Deletes one of the org's templates. Removing the default leaves the
 * channel without one of the org's: the built-in English template is used
 * again until the org picks another default.
 */
export default class RemoveDeliveryTemplate {
  static async handle(input: RemoveDeliveryTemplateInput): Promise<RemoveDeliveryTemplateResult> {
    return db.transaction(async (trx) => {
      const template = await OrgDeliveryTemplates.find(input.org, input.templateId, trx)
      if (!template) return { kind: 'not_found' as const }
      await template.useTransaction(trx).delete()
      await auditInOrg(
        trx,
        input,
        'delivery_template.removed',
        { type: 'delivery_template', id: template.id },
        { channel: template.channel, name: template.name, was_default: template.isDefault }
      )
      return { kind: 'removed' as const, template, wasDefault: template.isDefault }
    })
  }
}
