import vine, { SimpleMessagesProvider } from '@vinejs/vine'
import { CHANNELS } from '#deliveries/services/providers'
import { MESSAGE_STATUSES } from '#deliveries/services/delivery_status'

/**
 * Shapes of sending (API.md "Deliveries"). What needs the database (the
 * job's state, whether the certificates belong to the job) is checked by
 * the action and answered under the same field names.
 */
export const AUDIENCES = ['all', 'undelivered', 'failed'] as const

/** At most this many certificates may be picked in one request. */
export const MAX_PICKED_CERTIFICATES = 10_000

export const startDeliveryValidator = vine.compile(
  vine.object({
    channels: vine.array(vine.enum(CHANNELS)).minLength(1).maxLength(CHANNELS.length).distinct(),
    audience: vine.enum(AUDIENCES).optional(),
    certificate_ids: vine
      .array(vine.string().uuid())
      .minLength(1)
      .maxLength(MAX_PICKED_CERTIFICATES)
      .distinct()
      .optional(),
    fallback_to_email: vine.boolean({ strict: true }).optional(),
  })
)

export const certificateDeliveryValidator = vine.compile(
  vine.object({
    channel: vine.enum(CHANNELS),
  })
)

/** `GET /api/v1/deliveries/:id/messages`: an unknown status or channel is a 422 naming the allowed ones. */
export const messageFiltersValidator = vine.compile(
  vine.object({
    status: vine.enum(MESSAGE_STATUSES).optional(),
    channel: vine.enum(CHANNELS).optional(),
  })
)

export const deliveryMessages = new SimpleMessagesProvider({
  'channels.required': 'Choose at least one channel: email, whatsapp.',
  'channels.array': 'channels must be a list of email, whatsapp.',
  'channels.array.minLength': 'Choose at least one channel: email, whatsapp.',
  'channels.minLength': 'Choose at least one channel: email, whatsapp.',
  'channels.distinct': 'Each channel may be named once.',
  'channels.*.enum': `A channel must be one of: ${CHANNELS.join(', ')}.`,
  'channel.required': `channel is required: one of ${CHANNELS.join(', ')}.`,
  'channel.enum': `channel must be one of: ${CHANNELS.join(', ')}.`,
  'audience.enum': `audience must be one of: ${AUDIENCES.join(', ')}.`,
  'certificate_ids.array': 'certificate_ids must be a list of certificate ids.',
  'certificate_ids.minLength': 'certificate_ids must name at least one certificate.',
  'certificate_ids.maxLength': `At most ${MAX_PICKED_CERTIFICATES} certificates can be picked at once.`,
  'certificate_ids.distinct': 'Each certificate may be named once.',
  'certificate_ids.*.uuid': 'Each certificate id must be a UUID.',
  'fallback_to_email.boolean': 'fallback_to_email must be true or false.',
  'status.enum': `status must be one of: ${MESSAGE_STATUSES.join(', ')}.`,
})

/** A suppression added by hand: an email address, or a phone number with its country code. */
export const suppressionValidator = vine.compile(
  vine.object({
    channel: vine.enum(CHANNELS),
    address: vine.string().trim().minLength(3).maxLength(320).use(addressRule()),
    detail: vine.string().trim().maxLength(500).optional(),
  })
)

export const suppressionFiltersValidator = vine.compile(
  vine.object({
    channel: vine.enum(CHANNELS).optional(),
    q: vine.string().trim().maxLength(320).optional(),
  })
)

export const suppressionMessages = new SimpleMessagesProvider({
  'channel.required': 'Choose the channel: email or WhatsApp.',
  'channel.enum': 'Choose the channel: email or WhatsApp.',
  'address.required': 'Enter the email address or phone number.',
  'address.minLength': 'Enter the email address or phone number.',
  'address.maxLength': 'An address is at most 320 characters.',
  'detail.maxLength': 'A note is at most 500 characters.',
})

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const PHONE = /^\+?[\d\s().-]{8,24}$/

/** The address must fit its channel: an email address, or a phone number of 8–15 digits. */
function addressRule() {
  return vine.createRule((value, _options, field) => {
    if (typeof value !== 'string') return
    const channel = (field.parent as { channel?: unknown }).channel
    if (channel === 'email' && !EMAIL.test(value))
      field.report('Enter an email address, like name@example.com.', 'address', field)
    if (channel === 'whatsapp') {
      const digits = value.replace(/\D+/g, '').length
      if (!PHONE.test(value) || digits < 8 || digits > 15)
        field.report(
          'Enter a phone number with its country code, like +91 98765 43210.',
          'address',
          field
        )
    }
  })()
}

/** The Deliver page's form (checkboxes: one channel arrives as a string, none as nothing). */
export const deliveryFormValidator = vine.compile(
  vine.object({
    channels: vine.array(vine.enum(CHANNELS)).minLength(1).distinct(),
    audience: vine.enum(AUDIENCES),
    fallback_to_email: vine.boolean().optional(),
  })
)

/** The form's values as the validator reads them: `channels` always a list. */
export function deliveryFormData(input: Record<string, unknown>) {
  const channels = input.channels
  return {
    channels:
      channels === undefined || channels === null || channels === '' ? [] : [channels].flat(),
    audience: input.audience ?? 'all',
    fallback_to_email: input.fallback_to_email || undefined,
  }
}
