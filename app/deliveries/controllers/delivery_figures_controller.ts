import type { HttpContext } from '@adonisjs/core/http'
import { monthFigures } from '#deliveries/queries/delivery_figures'
import { CHANNEL_WORDS } from '#deliveries/queries/delivery_timeline'
import { deliverySettingsOf } from '#deliveries/queries/delivery_settings'

/**
 * `GET /deliveries/this-month`: the org's messages sent, delivered and read
 * this month per channel (an email's read is "opened", shown as such).
 */
export default class DeliveryFiguresController {
  async show({ org, bouncer, request, response, view }: HttpContext) {
    await bouncer.authorize('allows', 'deliveries.send')
    const figures = await monthFigures(org)
    const { trackEmailOpens } = await deliverySettingsOf(org)
    const props = {
      figures,
      trackEmailOpens,
      channels: (['email', 'whatsapp'] as const).map((channel) => ({
        channel,
        label: CHANNEL_WORDS[channel],
        ...figures.byChannel[channel],
      })),
    }
    response.header('Vary', 'HX-Request')
    if (request.header('HX-Request'))
      return view.render('components/deliveries/month_figures', props)
    return view.render('pages/deliveries/islands/page', {
      title: 'Messages this month',
      nav: 'dashboard',
      component: 'components/deliveries/month_figures',
      props,
      back: { href: '/dashboard', text: 'Dashboard' },
    })
  }
}
