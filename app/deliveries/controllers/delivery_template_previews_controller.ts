import type { HttpContext } from '@adonisjs/core/http'
import { errors as vineErrors } from '@vinejs/vine'
import { safeLocalPath, type FieldMessage } from '#core/http/forms'
import OrgDeliveryTemplates from '#deliveries/queries/org_delivery_templates'
import DeliveryTemplatePreview from '#deliveries/queries/delivery_template_preview'
import { checkedContent } from '#deliveries/actions/delivery_template_content'
import {
  deliveryChannelValidator,
  validateTemplateFields,
} from '#deliveries/validators/delivery_template'
import { builtInTemplate } from '#deliveries/services/delivery_template_defaults'

/**
 * "Preview changes" on a template form: the preview island drawn from what
 * is typed, before saving (htmx swaps it in). Checks as a save would and
 * stores nothing; a problem is shown in the island instead of the preview.
 * A POST because a body of up to 100,000 characters does not fit a URL.
 */
export default class DeliveryTemplatePreviewsController {
  async store({ bouncer, request, view, org }: HttpContext) {
    await bouncer.authorize('allows', 'deliveries.manage')
    const { channel } = await request.validateUsing(deliveryChannelValidator)
    // The picker in the swapped island goes on submitting to the page it is on.
    const pickerAction =
      safeLocalPath(request.input('preview_page')) ?? '/settings/delivery/templates'
    const from = builtInTemplate(request.input('from'))
    const pickerHidden = from ? { channel, from: from.key } : {}
    const render = (props: Record<string, unknown>) =>
      view.render('components/deliveries/delivery_template_preview', {
        pickerAction,
        pickerHidden,
        unsaved: true,
        ...props,
      })

    let problems: FieldMessage[] = []
    try {
      const fields = await validateTemplateFields(channel, request.all())
      const checked = checkedContent(fields, await OrgDeliveryTemplates.knownVariables(org))
      if (checked.kind === 'checked') {
        const preview = await DeliveryTemplatePreview.for(
          org,
          { channel, ...checked.content },
          {
            jobId: request.input('job_id') ?? request.input('preview_job_id'),
            recipientId: request.input('recipient_id') ?? request.input('preview_recipient_id'),
          }
        )
        return render({ preview, problems: [] })
      }
      problems = checked.problems
    } catch (error) {
      if (!(error instanceof vineErrors.E_VALIDATION_ERROR)) throw error
      problems = error.messages as FieldMessage[]
    }
    return render({ preview: null, problems })
  }
}
