import db from '@adonisjs/lucid/services/db'
import { auditInOrg, type OrgActing } from '#orgs/actions/org_audit'
import type DeliveryTemplate from '#deliveries/models/delivery_template'
import OrgDeliveryTemplates from '#deliveries/queries/org_delivery_templates'

export type SetDefaultDeliveryTemplateInput = OrgActing & { templateId: string }

export type SetDefaultDeliveryTemplateResult =
  { kind: 'set'; template: DeliveryTemplate; previous: string | null } | { kind: 'not_found' }

/** Makes one template the channel's default; the previous default stops being one first (unique index). */
export default class SetDefaultDeliveryTemplate {
  static async handle(
    input: SetDefaultDeliveryTemplateInput
  ): Promise<SetDefaultDeliveryTemplateResult> {
    return db.transaction(async (trx) => {
      const template = await OrgDeliveryTemplates.find(input.org, input.templateId, trx)
      if (!template) return { kind: 'not_found' as const }
      const previous = await trx
        .from('delivery_templates')
        .where('organization_id', input.org.id)
        .where('channel', template.channel)
        .where('is_default', true)
        .select('id', 'name')
        .first()
      if (previous?.id === template.id) {
        return { kind: 'set' as const, template, previous: null }
      }
      if (previous) {
        await trx.from('delivery_templates').where('id', previous.id).update({ is_default: false })
      }
      template.isDefault = true
      await template.useTransaction(trx).save()
      await auditInOrg(
        trx,
        input,
        'delivery_template.default_set',
        { type: 'delivery_template', id: template.id },
        { channel: template.channel, name: template.name, previous_default: previous?.name ?? null }
      )
      return { kind: 'set' as const, template, previous: previous?.name ?? null }
    })
  }
}
