import type { HttpContext } from '@adonisjs/core/http'
import { actingIn } from '#orgs/middleware/acting'
import { foundOr404, throwNotFound } from '#core/http/not_found'
import { redirectWith } from '#core/http/forms'
import { handle } from '#core/http/outcomes'
import OrgDeliveryTemplates from '#deliveries/queries/org_delivery_templates'
import SetDefaultDeliveryTemplate from '#deliveries/actions/set_default_delivery_template'

/** "Make default" on a delivery template: the default as a nested resource. */
export default class DeliveryTemplateDefaultsController {
  async store(ctx: HttpContext) {
    const { org, params, bouncer } = ctx
    await bouncer.authorize('allows', 'deliveries.manage')
    const template = foundOr404(await OrgDeliveryTemplates.find(org, params.id))
    const result = await SetDefaultDeliveryTemplate.handle({
      ...actingIn(ctx),
      templateId: template.id,
    })
    return handle(result, {
      set: ({ template: chosen }) =>
        redirectWith(
          ctx,
          'success',
          `"${chosen.name}" is now the default ${chosen.channel === 'email' ? 'email' : 'WhatsApp'} message.`
        ).toRoute('deliveries.delivery_templates.index'),
      not_found: throwNotFound,
    })
  }
}
