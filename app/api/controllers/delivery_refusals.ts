import type { HttpContext } from '@adonisjs/core/http'
import type { StartDeliveryRefusalCode } from '#deliveries/actions/start_delivery'
import { fail } from '#api/controllers/api_responses'
import { throwNotFound } from '#core/http/not_found'

/** The status and field under which the API answers each refusal of StartDelivery. */
const REFUSALS: Record<
  Exclude<StartDeliveryRefusalCode, 'E_NOT_FOUND'>,
  { status: number; field?: string }
> = {
  E_INVALID_INPUT: { status: 422 },
  E_JOB_NOT_FINISHED: { status: 409 },
  E_NO_WHATSAPP_INTEGRATION: { status: 422, field: 'channels' },
  E_INTEGRATION_PAUSED: { status: 409, field: 'channels' },
  E_CERTIFICATES_NOT_IN_JOB: { status: 422, field: 'certificate_ids' },
  E_NOTHING_TO_SEND: { status: 422, field: 'audience' },
}

/** A refused delivery as the contract's error body; an unknown (or another org's) job is the one 404. */
export function deliveryRefusal(
  response: HttpContext['response'],
  refusal: { code: StartDeliveryRefusalCode; message: string },
  fields: Partial<Record<StartDeliveryRefusalCode, string>> = {}
) {
  if (refusal.code === 'E_NOT_FOUND') throwNotFound()
  const { status, field } = REFUSALS[refusal.code]
  const named = fields[refusal.code] ?? field
  return fail(response, status, [
    { code: refusal.code, message: refusal.message, ...(named ? { field: named } : {}) },
  ])
}
