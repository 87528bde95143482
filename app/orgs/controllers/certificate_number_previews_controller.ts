import type { HttpContext } from '@adonisjs/core/http'
import { certificateNumberPreview } from '#orgs/validators/organization_settings'

/**
 * The preview next to the number format on the settings page, re-rendered by
 * htmx while the prefix and format are typed. Computes only; stores nothing.
 */
export default class CertificateNumberPreviewsController {
  async show({ bouncer, request, response, view }: HttpContext) {
    await bouncer.authorize('allows', 'org.manage')
    const prefix = String(request.input('certificate_number_prefix') ?? '').slice(0, 20)
    const format = String(request.input('certificate_number_format') ?? '').slice(0, 200)
    response.header('Vary', 'HX-Request')
    return view.render(
      'components/orgs/certificate_number_preview',
      certificateNumberPreview(format, prefix)
    )
  }
}
