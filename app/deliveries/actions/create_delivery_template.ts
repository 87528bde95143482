import db from '@adonisjs/lucid/services/db'
import { auditInOrg, type OrgActing } from '#orgs/actions/org_audit'
import DeliveryTemplate from '#deliveries/models/delivery_template'
import OrgDeliveryTemplates from '#deliveries/queries/org_delivery_templates'
import {
  checkedContent,
  type DeliveryTemplateFields,
  type FieldProblem,
} from '#deliveries/actions/delivery_template_content'

export type CreateDeliveryTemplateInput = OrgActing & { fields: DeliveryTemplateFields }

export type CreateDeliveryTemplateResult =
  { kind: 'created'; template: DeliveryTemplate } | { kind: 'invalid'; problems: FieldProblem[] }

/**
 * Saves an org's own template (a new one, or a built-in one customised).
 * The org's first template of a channel becomes its default, replacing the
 * built-in one it was using until then.
 */
export default class CreateDeliveryTemplate {
  static async handle(input: CreateDeliveryTemplateInput): Promise<CreateDeliveryTemplateResult> {
    const { org, fields } = input
    const checked = checkedContent(fields, await OrgDeliveryTemplates.knownVariables(org))
    if (checked.kind === 'invalid') return checked

    return db.transaction(async (trx) => {
      if (await OrgDeliveryTemplates.nameTaken(org, fields.channel, fields.name, null, trx)) {
        return {
          kind: 'invalid' as const,
          problems: [
            {
              field: 'name',
              message: `${org.name} already has a ${fields.channel === 'email' ? 'email' : 'WhatsApp'} template called "${fields.name}".`,
            },
          ],
        }
      }
      const hasDefault = await trx
        .from('delivery_templates')
        .where('organization_id', org.id)
        .where('channel', fields.channel)
        .where('is_default', true)
        .first()
      const template = await DeliveryTemplate.create(
        {
          organizationId: org.id,
          channel: fields.channel,
          ...checked.content,
          isActive: true,
          isDefault: !hasDefault,
          createdBy: input.actorUserId,
          updatedBy: input.actorUserId,
        },
        { client: trx }
      )
      await auditInOrg(
        trx,
        input,
        'delivery_template.created',
        { type: 'delivery_template', id: template.id },
        {
          channel: template.channel,
          name: template.name,
          locale: template.locale,
          variables: template.variables,
          is_default: template.isDefault,
        }
      )
      return { kind: 'created' as const, template }
    })
  }
}
