import type { HttpContext } from '@adonisjs/core/http'
import { foundOr404 } from '#core/http/not_found'
import OrgCertificates from '#certificates/queries/org_certificates'
import { certificateTimeline } from '#deliveries/queries/delivery_timeline'
import { timelineWords } from '#deliveries/presenters/delivery_panel'

/**
 * `GET /certificates/:id/deliveries`: the certificate's delivery timeline
 * across channels (every message that carried it, each attempt, provider
 * notification and fallback), as an island the certificate page loads.
 */
export default class CertificateDeliveriesController {
  async show({ org, bouncer, params, view }: HttpContext) {
    await bouncer.authorize('allows', 'deliveries.send')
    const certificate = foundOr404(await OrgCertificates.find(org, params.id))
    const timeline = await certificateTimeline(org, certificate.id)
    return view.render('components/deliveries/timeline', {
      timeline,
      entries: timeline.entries.map((entry) => ({ entry, words: timelineWords(entry) })),
      recipientId: timeline.messages[0]?.recipientId ?? null,
      headingId: 'certificate-deliveries-title',
    })
  }
}
