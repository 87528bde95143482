import type { HttpContext } from '@adonisjs/core/http'
import { paginationOf } from '#core/http/pagination'
import { foundOr404, throwNotFound } from '#core/http/not_found'
import { handle } from '#core/http/outcomes'
import { apiActing } from '#api/middleware/acting'
import { fail, pageJson } from '#api/controllers/api_responses'
import { deliveryIntegrationJson } from '#api/controllers/delivery_integration_json'
import OrgDeliveryIntegrations from '#deliveries/queries/org_delivery_integrations'
import CreateDeliveryIntegration from '#deliveries/actions/create_delivery_integration'
import UpdateDeliveryIntegration from '#deliveries/actions/update_delivery_integration'
import {
  integrationUpdateValidator,
  integrationValidator,
  providerValidator,
} from '#deliveries/validators/delivery_integration'
import { secretStates } from '#deliveries/services/integration_secrets'
import type DeliveryIntegration from '#deliveries/models/delivery_integration'

/** `/api/v1/delivery-integrations`: the key's org's email and WhatsApp senders. Secrets go in, never out. */
export default class DeliveryIntegrationsController {
  async index({ apiOrg, request }: HttpContext) {
    const pagination = await paginationOf(request.qs(), { perPage: 25 })
    const page = await OrgDeliveryIntegrations.list(apiOrg).paginate(
      pagination.page,
      pagination.perPage
    )
    const states = await secretStates(page.all())
    return pageJson(page, (integration) =>
      deliveryIntegrationJson(integration, states.get(integration.id))
    )
  }

  async show({ apiOrg, params }: HttpContext) {
    const integration = foundOr404(await OrgDeliveryIntegrations.find(apiOrg, params.id))
    return withSecrets(integration)
  }

  async store(ctx: HttpContext) {
    const { request, response } = ctx
    const base = await request.validateUsing(integrationValidator)
    const { settings, secrets } = await providerValidator(base.provider, 'create').validate({
      settings: request.input('settings'),
      secrets: request.input('secrets'),
    })
    const result = await CreateDeliveryIntegration.handle({
      ...apiActing(ctx),
      channel: base.channel,
      provider: base.provider,
      name: base.name,
      isDefault: base.is_default,
      settings,
      secrets,
    })
    return handle(result, {
      created: async ({ integration }) => response.status(201).send(await withSecrets(integration)),
      channel_mismatch: ({ message }) =>
        fail(response, 422, [{ code: 'E_VALIDATION_ERROR', message, field: 'provider' }]),
      host_not_allowed: ({ field, reason }) =>
        fail(response, 422, [{ code: 'E_HOST_NOT_ALLOWED', message: reason, field }]),
    })
  }

  async update(ctx: HttpContext) {
    const { apiOrg, request, response, params } = ctx
    const existing = foundOr404(await OrgDeliveryIntegrations.find(apiOrg, params.id))
    const base = await request.validateUsing(integrationUpdateValidator)
    const { settings, secrets } = await providerValidator(existing.provider, 'update').validate({
      settings: request.input('settings'),
      secrets: request.input('secrets'),
    })
    const result = await UpdateDeliveryIntegration.handle({
      ...apiActing(ctx),
      integrationId: existing.id,
      name: base.name,
      isDefault: base.is_default,
      settings,
      secrets,
    })
    return handle(result, {
      updated: ({ integration }) => withSecrets(integration),
      not_found: throwNotFound,
      host_not_allowed: ({ field, reason }) =>
        fail(response, 422, [{ code: 'E_HOST_NOT_ALLOWED', message: reason, field }]),
    })
  }
}

async function withSecrets(integration: DeliveryIntegration) {
  const states = await secretStates([integration])
  return deliveryIntegrationJson(integration, states.get(integration.id))
}
