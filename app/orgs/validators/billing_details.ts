import vine, { SimpleMessagesProvider } from '@vinejs/vine'
import type { FieldContext } from '@vinejs/vine/types'
import { GST_STATES } from '#core/services/gst_states'
import { INDIAN_PIN_PATTERN, gstinRule } from '#orgs/validators/organization_settings'

/** A GSTIN's first two digits are its state: the state chosen must be that one. */
const gstinStateRule = vine.createRule((value, _options, field: FieldContext) => {
  if (typeof value !== 'string' || value.length !== 15) return
  const state = field.parent?.state_code
  const registered = value.slice(0, 2)
  if (state && GST_STATES[registered] && state !== registered) {
    field.report(
      `This GSTIN is registered in ${GST_STATES[registered]} (${registered}), not ${GST_STATES[state] ?? state}: choose that state or correct the GSTIN.`,
      'gstin.state_mismatch',
      field
    )
  }
})

const pinRule = vine.createRule((value, _options, field: FieldContext) => {
  if (typeof value === 'string' && field.parent?.state_code && !INDIAN_PIN_PATTERN.test(value)) {
    field.report('An Indian PIN code has 6 digits, like 560001.', 'postal_code.pin', field)
  }
})

const optionalText = (max: number) => vine.string().trim().maxLength(max).optional()

/**
 * Who invoices are made out to (Rule 46's recipient): the legal name,
 * address, state (which decides CGST + SGST or IGST) and GSTIN when
 * registered, and a finance mailbox invoices also go to.
 */
export const billingDetailsValidator = vine.compile(
  vine.object({
    business_name: vine.string().trim().minLength(2).maxLength(200),
    address_line1: vine.string().trim().minLength(3).maxLength(200),
    address_line2: optionalText(200),
    city: vine.string().trim().minLength(2).maxLength(100),
    state_code: vine.string().trim().in(Object.keys(GST_STATES)).optional(),
    postal_code: vine.string().trim().maxLength(20).use(pinRule()).optional(),
    gstin: vine.string().trim().toUpperCase().use(gstinRule()).use(gstinStateRule()).optional(),
    billing_email: vine.string().trim().toLowerCase().maxLength(254).email().optional(),
  })
)

billingDetailsValidator.messagesProvider = new SimpleMessagesProvider({
  'business_name.required': 'Enter the legal name invoices are made out to.',
  'business_name.minLength': 'The legal name must be at least 2 characters.',
  'address_line1.required': 'Enter the billing address: a tax invoice must carry it.',
  'address_line1.minLength': 'Enter the billing address: a tax invoice must carry it.',
  'city.required': 'Enter the city.',
  'city.minLength': 'Enter the city.',
  'state_code.in': 'Choose a state from the list.',
  'billing_email.email': 'Enter a valid email address, like accounts@example.in.',
  'maxLength': 'The {{ field }} can be at most {{ max }} characters.',
})

/** "80, 100" → [80, 100]: whole percentages from 1 to 1000, at most five, in order. */
export function alertPercents(value: string) {
  const parts = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
  if (parts.length > 5 || parts.some((part) => !/^\d{1,4}$/.test(part))) return null
  const percents = [...new Set(parts.map(Number))].sort((a, b) => a - b)
  if (percents.some((percent) => percent < 1 || percent > 1000)) return null
  return percents
}

const alertPercentsRule = vine.createRule((value, _options, field: FieldContext) => {
  if (typeof value === 'string' && !alertPercents(value)) {
    field.report(
      'Write up to five whole percentages from 1 to 1000, separated by commas, like 80, 100.',
      'usage_alert_percents',
      field
    )
  }
})

/** A monthly spend cap in whole rupees (with GST), whether it stops issuing, and the alert percentages. */
export const spendControlsValidator = vine.compile(
  vine.object({
    monthly_spend_cap_rupees: vine.number().withoutDecimals().min(1).max(100_000_000).optional(),
    spend_cap_blocks: vine.boolean().optional(),
    usage_alert_percents: vine.string().trim().maxLength(40).use(alertPercentsRule()).optional(),
  })
)

spendControlsValidator.messagesProvider = new SimpleMessagesProvider({
  'monthly_spend_cap_rupees.number': 'Write the cap in whole rupees, like 5000.',
  'monthly_spend_cap_rupees.withoutDecimals': 'Write the cap in whole rupees, like 5000.',
  'monthly_spend_cap_rupees.min': 'A cap is at least ₹1; leave it empty for none.',
  'monthly_spend_cap_rupees.max': 'A cap is at most ₹10,00,00,000.',
})
