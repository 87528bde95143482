import type { HttpContext } from '@adonisjs/core/http'
import { foundOr404 } from '#core/http/not_found'
import OrgCertificates from '#certificates/queries/org_certificates'
import { certificateTimeline } from '#deliveries/queries/delivery_timeline'
import { timelineWords } from '#deliveries/presenters/delivery_panel'
import router from '@adonisjs/core/services/router'
import { throwNotFound } from '#core/http/not_found'
import { redirectWith } from '#core/http/forms'
import StartDelivery from '#deliveries/actions/start_delivery'
import { certificateDeliveryValidator, deliveryMessages } from '#deliveries/validators/delivery'

/**
 * `GET /certificates/:id/deliveries`: the certificate's delivery timeline
 * across channels (every message that carried it, each attempt, provider
 * notification and fallback), as an island the certificate page loads, with
 * a form to send it (again) by a channel; `POST /certificates/:id/delivery`
 * sends it (a delivery of its job with this certificate picked).
 */
export default class CertificateDeliveriesController {
  async show({ org, bouncer, params, request, response, view }: HttpContext) {
    await bouncer.authorize('allows', 'deliveries.send')
    const certificate = foundOr404(await OrgCertificates.find(org, params.id))
    const timeline = await certificateTimeline(org, certificate.id)
    const props = {
      timeline,
      entries: timeline.entries.map((entry) => ({ entry, words: timelineWords(entry) })),
      headingId: 'certificate-deliveries-title',
      sendAction: certificate.generationJobId
        ? router
            .builder()
            .params({ id: certificate.id })
            .make('deliveries.certificate_deliveries.store')
        : null,
    }
    response.header('Vary', 'HX-Request')
    if (request.header('HX-Request')) return view.render('components/deliveries/timeline', props)
    return view.render('pages/deliveries/islands/page', {
      title: `${certificate.certificateNumber} · delivery timeline`,
      nav: 'certificates',
      component: 'components/deliveries/timeline',
      props,
      back: {
        href: router
          .builder()
          .params({ id: certificate.id })
          .make('certificates.certificates.show'),
        text: `Certificate ${certificate.certificateNumber}`,
      },
    })
  }

  async store(ctx: HttpContext) {
    const { org, actor, bouncer, params, request } = ctx
    await bouncer.authorize('allows', 'deliveries.send')
    const certificate = foundOr404(await OrgCertificates.find(org, params.id))
    const back = (level: 'success' | 'error', message: string) =>
      redirectWith(ctx, level, message).toRoute('certificates.certificates.show', {
        id: certificate.id,
      })
    const [error, input] = await certificateDeliveryValidator.tryValidate(request.all(), {
      messagesProvider: deliveryMessages,
    })
    if (error) return back('error', error.messages[0].message)
    if (!certificate.generationJobId)
      return back(
        'error',
        'This certificate was not issued by a generation job, so it cannot be sent.'
      )
    const result = await StartDelivery.handle({
      org,
      job: certificate.generationJobId,
      channels: [input.channel],
      audience: 'picked',
      certificateIds: [certificate.id],
      fallbackToEmail: false,
      actorUserId: actor.user.id,
    })
    if (result.kind === 'refused') {
      if (result.code === 'E_NOT_FOUND') throwNotFound()
      return back('error', result.message)
    }
    const counts = result.counts[input.channel]
    return back(
      'success',
      counts && counts.suppressed
        ? 'The address is on the suppression list: nothing was sent.'
        : `Certificate ${certificate.certificateNumber} queued to go by ${input.channel === 'email' ? 'email' : 'WhatsApp'}.`
    )
  }
}
