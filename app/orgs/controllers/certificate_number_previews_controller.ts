import type { HttpContext } from '@adonisjs/core/http'
import {
  CERTIFICATE_PREFIX_PATTERN,
  describeFormatProblem,
  parseCertificateNumberFormat,
  previewCertificateNumber,
} from '#core/services/certificate_number'

/**
 * The preview next to the number format on the settings page, re-rendered by
 * htmx while the prefix and format are typed. Computes only; stores nothing.
 */
export default class CertificateNumberPreviewsController {
  async show({ bouncer, request, response, view }: HttpContext) {
    await bouncer.authorize('allows', 'org.manage')
    const prefix = String(request.input('certificate_number_prefix') ?? '').trim().toUpperCase().slice(0, 20)
    const format = String(request.input('certificate_number_format') ?? '').trim().slice(0, 200)
    const parsed = parseCertificateNumberFormat(format)
    const problem = !parsed.ok
      ? describeFormatProblem(parsed.problem)
      : CERTIFICATE_PREFIX_PATTERN.test(prefix)
        ? null
        : 'The prefix needs 2–12 capital letters or digits.'
    response.header('Vary', 'HX-Request')
    return view.render('components/orgs/certificate_number_preview', {
      preview: problem ? null : previewCertificateNumber(format, prefix),
      problem,
    })
  }
}
