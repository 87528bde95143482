import type { HttpContext } from '@adonisjs/core/http'
import { webhookUrlOf } from '#deliveries/services/webhook_urls'
import mail from '@adonisjs/mail/services/main'
import { foundOr404, throwNotFound } from '#core/http/not_found'
import { handle } from '#core/http/outcomes'
import { flashFieldError, redirectWith, validateOrFlash } from '#core/http/forms'
import { actingIn } from '#orgs/middleware/acting'
import OrgDeliveryIntegrations from '#deliveries/queries/org_delivery_integrations'
import { deliverySettingsOf } from '#deliveries/queries/delivery_settings'
import CreateDeliveryIntegration from '#deliveries/actions/create_delivery_integration'
import UpdateDeliveryIntegration from '#deliveries/actions/update_delivery_integration'
import RemoveDeliveryIntegration from '#deliveries/actions/remove_delivery_integration'
import {
  integrationUpdateValidator,
  integrationValidator,
  providerValidator,
} from '#deliveries/validators/delivery_integration'
import { secretStates } from '#deliveries/services/integration_secrets'
import {
  EMAIL_HTTP_PROVIDERS,
  PROVIDERS,
  PROVIDER_LABELS,
  channelOf,
  type Provider,
} from '#deliveries/services/providers'
import {
  formFieldOf,
  formValues,
  fromForm,
  secretFields,
  settingFields,
} from '#deliveries/presenters/integration_form'

/** The validators speak the API's paths (`settings.host`); messages go under the form's flat fields. */
const ONTO_FORM = { fieldOf: formFieldOf }

function providerOf(value: unknown): Provider | null {
  return PROVIDERS.includes(value as Provider) ? (value as Provider) : null
}

/** Settings → Delivery: the org's email and WhatsApp integrations, and the platform's own sender. */
export default class DeliveryIntegrationsController {
  async index({ org, bouncer, view }: HttpContext) {
    await bouncer.authorize('allows', 'deliveries.manage')
    const integrations = await OrgDeliveryIntegrations.list(org)
    const email = integrations.filter((integration) => integration.channel === 'email')
    const settings = await deliverySettingsOf(org)
    return view.render('pages/deliveries/integrations/index', {
      email,
      trackEmailOpens: settings.trackEmailOpens,
      emailIntegrationInUse: email.some((integration) => integration.isActive),
      whatsapp: integrations.filter((integration) => integration.channel === 'whatsapp'),
      emailProviders: ['smtp', ...EMAIL_HTTP_PROVIDERS].map((value) => ({
        value,
        label: PROVIDER_LABELS[value as Provider],
      })),
      providerLabels: PROVIDER_LABELS,
      platformSender: platformSender(),
    })
  }

  async create({ bouncer, request, view }: HttpContext) {
    await bouncer.authorize('allows', 'deliveries.manage')
    // Without a provider (or `?provider=` empty) the page asks which one.
    if (!request.input('provider')) {
      return view.render('pages/deliveries/integrations/choose', {
        providers: PROVIDERS.map((value) => ({ value, label: PROVIDER_LABELS[value] })),
      })
    }
    const provider = foundOr404(providerOf(request.input('provider')))
    return view.render('pages/deliveries/integrations/create', {
      provider,
      providerLabel: PROVIDER_LABELS[provider],
      fields: settingFields(provider),
      secrets: secretFields(provider, undefined),
      values: Object.fromEntries(
        settingFields(provider).map((field) => [field.name, field.initial ?? ''])
      ),
    })
  }

  async store(ctx: HttpContext) {
    const { bouncer, request, response } = ctx
    await bouncer.authorize('allows', 'deliveries.manage')
    const provider = foundOr404(providerOf(request.input('provider')))
    const back = () =>
      response.redirect().toRoute('deliveries.integrations.create', {}, { qs: { provider } })
    const body = request.all()
    const base = await validateOrFlash(
      ctx,
      () =>
        integrationValidator.validate({
          channel: channelOf(provider),
          provider,
          name: body.name,
          is_default: body.is_default === 'on' ? true : undefined,
        }),
      ONTO_FORM
    )
    if (!base) return back()
    const input = await validateOrFlash(
      ctx,
      () => providerValidator(provider, 'create').validate(fromForm(provider, body)),
      ONTO_FORM
    )
    if (!input) return back()
    const result = await CreateDeliveryIntegration.handle({
      ...actingIn(ctx),
      channel: base.channel,
      provider,
      name: base.name,
      isDefault: base.is_default,
      settings: input.settings,
      secrets: input.secrets,
    })
    return handle(result, {
      created: ({ integration }) =>
        // A provider that reports statuses by webhook needs one more step in its own dashboard:
        // its page shows the address (without it, nothing gets past "sent").
        webhookUrlOf(integration)
          ? redirectWith(
              ctx,
              'success',
              `Integration “${integration.displayName}” added. One step left: give ${integration.provider === 'whatsapp_cloud' ? 'Meta' : PROVIDER_LABELS[integration.provider]} the webhook address below, or delivered and read will never show.`
            ).toRoute('deliveries.integrations.edit', { id: integration.id })
          : redirectWith(ctx, 'success', `Integration “${integration.displayName}” added.`).toRoute(
              'deliveries.integrations.index'
            ),
      channel_mismatch: ({ message }) => {
        flashFieldError(ctx, 'name', message)
        return back()
      },
      host_not_allowed: ({ field, reason }) => {
        flashFieldError(ctx, formFieldOf(field), reason)
        return back()
      },
    })
  }

  async edit({ org, bouncer, params, view }: HttpContext) {
    await bouncer.authorize('allows', 'deliveries.manage')
    const integration = foundOr404(await OrgDeliveryIntegrations.find(org, params.id))
    const states = await secretStates([integration])
    return view.render('pages/deliveries/integrations/edit', {
      integration,
      provider: integration.provider,
      providerLabel: PROVIDER_LABELS[integration.provider],
      fields: settingFields(integration.provider),
      secrets: secretFields(integration.provider, states.get(integration.id)),
      values: formValues(integration),
      webhookUrl: webhookUrlOf(integration),
    })
  }

  async update(ctx: HttpContext) {
    const { org, bouncer, request, response, params } = ctx
    await bouncer.authorize('allows', 'deliveries.manage')
    const existing = foundOr404(await OrgDeliveryIntegrations.find(org, params.id))
    const back = () =>
      response.redirect().toRoute('deliveries.integrations.edit', { id: existing.id })
    const body = request.all()
    const base = await validateOrFlash(
      ctx,
      () => integrationUpdateValidator.validate({ name: body.name ?? '' }),
      ONTO_FORM
    )
    if (!base) return back()
    const input = await validateOrFlash(
      ctx,
      () =>
        providerValidator(existing.provider, 'update').validate(fromForm(existing.provider, body)),
      ONTO_FORM
    )
    if (!input) return back()
    const result = await UpdateDeliveryIntegration.handle({
      ...actingIn(ctx),
      integrationId: existing.id,
      name: base.name,
      settings: input.settings,
      secrets: input.secrets,
    })
    return handle(result, {
      updated: ({ integration }) =>
        redirectWith(ctx, 'success', `Integration “${integration.displayName}” saved.`).toRoute(
          'deliveries.integrations.index'
        ),
      not_found: throwNotFound,
      host_not_allowed: ({ field, reason }) => {
        flashFieldError(ctx, formFieldOf(field), reason)
        return back()
      },
    })
  }

  async destroy(ctx: HttpContext) {
    const { bouncer, params } = ctx
    await bouncer.authorize('allows', 'deliveries.manage')
    const result = await RemoveDeliveryIntegration.handle({
      ...actingIn(ctx),
      integrationId: params.id,
    })
    return handle(result, {
      removed: ({ integration }) =>
        redirectWith(
          ctx,
          'success',
          `Integration “${integration.displayName}” removed; its secrets were deleted.`
        ).toRoute('deliveries.integrations.index'),
      not_found: throwNotFound,
    })
  }
}

/** The app's own sender (config/mail.ts: MAIL_FROM_ADDRESS, MAIL_FROM_NAME), used while an org has none. */
function platformSender() {
  const from = mail.config.from
  if (!from) return null
  return typeof from === 'string' ? { address: from, name: null } : from
}
