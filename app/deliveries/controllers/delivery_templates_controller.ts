import type { HttpContext } from '@adonisjs/core/http'
import { actingIn } from '#orgs/middleware/acting'
import { foundOr404, throwNotFound } from '#core/http/not_found'
import { flashFieldErrors, redirectWith, validateOrFlash } from '#core/http/forms'
import { handle } from '#core/http/outcomes'
import OrgDeliveryTemplates from '#deliveries/queries/org_delivery_templates'
import DeliveryTemplatePreview from '#deliveries/queries/delivery_template_preview'
import CreateDeliveryTemplate from '#deliveries/actions/create_delivery_template'
import UpdateDeliveryTemplate from '#deliveries/actions/update_delivery_template'
import RemoveDeliveryTemplate from '#deliveries/actions/remove_delivery_template'
import {
  deliveryChannelValidator,
  newTemplatePageValidator,
  validateTemplateFields,
} from '#deliveries/validators/delivery_template'
import {
  TEMPLATE_LOCALES,
  builtInDefault,
  builtInTemplate,
  type DeliveryChannel,
} from '#deliveries/services/delivery_template_defaults'
import { contentOfBuiltIn } from '#deliveries/services/delivery_template_rendering'

const CHANNEL_LABELS: Record<DeliveryChannel, string> = { email: 'Email', whatsapp: 'WhatsApp' }

/** The form's fields for the channel, validated; null when the errors were flashed. */
function fieldsOf(ctx: HttpContext, channel: DeliveryChannel) {
  return validateOrFlash(ctx, () => validateTemplateFields(channel, ctx.request.all()))
}

function pickedFrom(ctx: HttpContext) {
  const qs = ctx.request.qs()
  return { jobId: qs.job_id, recipientId: qs.recipient_id }
}

export default class DeliveryTemplatesController {
  async index({ view, org, bouncer }: HttpContext) {
    await bouncer.authorize('allows', 'deliveries.manage')
    return view.render('pages/deliveries/delivery_templates/index', {
      channels: [
        await OrgDeliveryTemplates.forChannel(org, 'email'),
        await OrgDeliveryTemplates.forChannel(org, 'whatsapp'),
      ],
      channelLabels: CHANNEL_LABELS,
      locales: TEMPLATE_LOCALES,
      nav: 'delivery_templates',
    })
  }

  /** A new template, started from a built-in one (`?from=email.hi`) or the channel's English one. */
  async create(ctx: HttpContext) {
    const { view, org, bouncer, request } = ctx
    await bouncer.authorize('allows', 'deliveries.manage')
    const query = await newTemplatePageValidator.validate(request.qs())
    const channel = query.channel ?? 'email'
    const from = builtInTemplate(request.qs().from)
    const start = from && from.channel === channel ? from : builtInDefault(channel)
    const content = contentOfBuiltIn(start)
    return view.render('pages/deliveries/delivery_templates/create', {
      channel,
      channelLabel: CHANNEL_LABELS[channel],
      start,
      values: { ...content, name: start.name, locale: start.locale },
      known: await OrgDeliveryTemplates.knownVariables(org),
      locales: TEMPLATE_LOCALES,
      preview: await DeliveryTemplatePreview.for(org, content, pickedFrom(ctx)),
      pickerAction: request.url(),
      pickerHidden: { channel, from: start.key },
      nav: 'delivery_templates',
    })
  }

  async store(ctx: HttpContext) {
    const { request, response, bouncer } = ctx
    await bouncer.authorize('allows', 'deliveries.manage')
    const { channel } = await request.validateUsing(deliveryChannelValidator)
    const back = () =>
      response.redirect().toRoute('deliveries.delivery_templates.create', [], {
        qs: { channel, from: request.input('from') },
      })
    const fields = await fieldsOf(ctx, channel)
    if (!fields) return back()
    const result = await CreateDeliveryTemplate.handle({ ...actingIn(ctx), fields })
    return handle(result, {
      created: ({ template }) =>
        redirectWith(
          ctx,
          'success',
          template.isDefault
            ? `Template "${template.name}" saved. It is now the default ${CHANNEL_LABELS[channel]} message.`
            : `Template "${template.name}" saved.`
        ).toRoute('deliveries.delivery_templates.edit', { id: template.id }),
      invalid: ({ problems }) => {
        flashFieldErrors(ctx, problems)
        return back()
      },
    })
  }

  async edit(ctx: HttpContext) {
    const { view, org, params, bouncer, request } = ctx
    await bouncer.authorize('allows', 'deliveries.manage')
    const template = foundOr404(await OrgDeliveryTemplates.find(org, params.id))
    // Not `template`: Edge's compiled views use that name themselves.
    return view.render('pages/deliveries/delivery_templates/edit', {
      deliveryTemplate: template,
      channel: template.channel,
      channelLabel: CHANNEL_LABELS[template.channel],
      values: template,
      known: await OrgDeliveryTemplates.knownVariables(org),
      locales: TEMPLATE_LOCALES,
      preview: await DeliveryTemplatePreview.for(org, template, pickedFrom(ctx)),
      pickerAction: request.url(),
      pickerHidden: {},
      nav: 'delivery_templates',
    })
  }

  async update(ctx: HttpContext) {
    const { response, org, params, bouncer, request } = ctx
    await bouncer.authorize('allows', 'deliveries.manage')
    const template = foundOr404(await OrgDeliveryTemplates.find(org, params.id))
    // The preview's choice of job and recipient survives the save.
    const picked = {
      job_id: request.input('preview_job_id'),
      recipient_id: request.input('preview_recipient_id'),
    }
    const back = () =>
      response
        .redirect()
        .toRoute('deliveries.delivery_templates.edit', { id: template.id }, { qs: picked })
    const fields = await fieldsOf(ctx, template.channel)
    if (!fields) return back()
    const result = await UpdateDeliveryTemplate.handle({
      ...actingIn(ctx),
      templateId: template.id,
      fields,
    })
    return handle(result, {
      updated: (updated) => {
        ctx.session.flash('success', `Template "${updated.template.name}" saved.`)
        return back()
      },
      invalid: ({ problems }) => {
        flashFieldErrors(ctx, problems)
        return back()
      },
      not_found: throwNotFound,
    })
  }

  async destroy(ctx: HttpContext) {
    const { org, params, bouncer } = ctx
    await bouncer.authorize('allows', 'deliveries.manage')
    const template = foundOr404(await OrgDeliveryTemplates.find(org, params.id))
    const result = await RemoveDeliveryTemplate.handle({
      ...actingIn(ctx),
      templateId: template.id,
    })
    return handle(result, {
      removed: ({ template: removed, wasDefault }) =>
        redirectWith(
          ctx,
          'success',
          wasDefault
            ? `Template "${removed.name}" removed. Until you choose another default, ${CHANNEL_LABELS[removed.channel]} messages use the built-in English template.`
            : `Template "${removed.name}" removed.`
        ).toRoute('deliveries.delivery_templates.index'),
      not_found: throwNotFound,
    })
  }
}
