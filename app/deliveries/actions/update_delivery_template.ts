import db from '@adonisjs/lucid/services/db'
import { auditInOrg, type OrgActing } from '#orgs/actions/org_audit'
import type DeliveryTemplate from '#deliveries/models/delivery_template'
import OrgDeliveryTemplates from '#deliveries/queries/org_delivery_templates'
import {
  checkedContent,
  type DeliveryTemplateFields,
  type FieldProblem,
} from '#deliveries/actions/delivery_template_content'

export type UpdateDeliveryTemplateInput = OrgActing & {
  templateId: string
  fields: DeliveryTemplateFields
}

export type UpdateDeliveryTemplateResult =
  | { kind: 'updated'; template: DeliveryTemplate }
  | { kind: 'invalid'; problems: FieldProblem[] }
  | { kind: 'not_found' }

/** Saves new content for one of the org's templates; its channel never changes. */
export default class UpdateDeliveryTemplate {
  static async handle(input: UpdateDeliveryTemplateInput): Promise<UpdateDeliveryTemplateResult> {
    const { org, fields } = input
    const checked = checkedContent(fields, await OrgDeliveryTemplates.knownVariables(org))
    if (checked.kind === 'invalid') return checked

    return db.transaction(async (trx) => {
      const template = await OrgDeliveryTemplates.find(org, input.templateId, trx)
      if (!template || template.channel !== fields.channel) return { kind: 'not_found' as const }
      if (
        await OrgDeliveryTemplates.nameTaken(org, fields.channel, fields.name, template.id, trx)
      ) {
        return {
          kind: 'invalid' as const,
          problems: [
            {
              field: 'name',
              message: `${org.name} already has another template called "${fields.name}".`,
            },
          ],
        }
      }
      const before = { name: template.name, variables: template.variables }
      template.merge({ ...checked.content, updatedBy: input.actorUserId })
      await template.useTransaction(trx).save()
      await auditInOrg(
        trx,
        input,
        'delivery_template.updated',
        { type: 'delivery_template', id: template.id },
        {
          channel: template.channel,
          name: template.name,
          previous_name: before.name === template.name ? undefined : before.name,
          variables: template.variables,
        }
      )
      return { kind: 'updated' as const, template }
    })
  }
}
