import type { HttpContext } from '@adonisjs/core/http'
import { monthFigures } from '#deliveries/queries/delivery_figures'
import { CHANNEL_WORDS } from '#deliveries/queries/delivery_timeline'

/** `GET /deliveries/this-month`: the org's messages sent, delivered and read this month per channel. */
export default class DeliveryFiguresController {
  async show({ org, bouncer, view }: HttpContext) {
    await bouncer.authorize('allows', 'deliveries.send')
    const figures = await monthFigures(org)
    return view.render('components/deliveries/month_figures', {
      figures,
      channels: (['email', 'whatsapp'] as const).map((channel) => ({
        channel,
        label: CHANNEL_WORDS[channel],
        ...figures.byChannel[channel],
      })),
    })
  }
}
