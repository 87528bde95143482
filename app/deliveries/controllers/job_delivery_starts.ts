import type { HttpContext } from '@adonisjs/core/http'
import { redirectWith } from '#core/http/forms'
import { throwNotFound } from '#core/http/not_found'
import type { StartDeliveryResult } from '#deliveries/actions/start_delivery'
import { formatNumber } from '#core/services/formatting'

/** Back to the job's Deliver page, saying what a start (or resend) did or why it was refused. */
export function afterStart(ctx: HttpContext, jobId: string, result: StartDeliveryResult) {
  if (result.kind === 'refused') {
    if (result.code === 'E_NOT_FOUND') throwNotFound()
    return redirectWith(ctx, 'error', result.message).toRoute('deliveries.job_deliveries.show', {
      id: jobId,
    })
  }
  const parts = Object.entries(result.counts).map(([channel, c]) => {
    const words = [
      `${formatNumber(c.queued)} ${channel === 'email' ? 'email' : 'WhatsApp'} message${c.queued === 1 ? '' : 's'} queued`,
    ]
    if (c.suppressed) words.push(`${formatNumber(c.suppressed)} suppressed`)
    if (c.missingAddress)
      words.push(
        `${formatNumber(c.missingAddress)} without ${channel === 'email' ? 'an email address' : 'a phone number'}`
      )
    return words.join(', ')
  })
  const message = result.duplicate
    ? 'This delivery was already started a moment ago: here it is.'
    : `${parts.join('; ')}. You can leave this page: sending goes on in the background.`
  return redirectWith(ctx, 'success', message).toRoute('deliveries.job_deliveries.show', {
    id: jobId,
  })
}
