import vine, { SimpleMessagesProvider } from '@vinejs/vine'
import billing from '#config/billing'
import { formatMoney } from '#core/services/formatting'

const range = `between ${formatMoney(billing.topUpMinPaise)} and ${formatMoney(billing.topUpMaxPaise)}`

/** A top-up of the prepaid balance: whole rupees, GST included, within the platform's range. */
export const topUpValidator = vine.compile(
  vine.object({
    amount_rupees: vine
      .number()
      .withoutDecimals()
      .min(billing.topUpMinPaise / 100)
      .max(billing.topUpMaxPaise / 100),
  })
)

topUpValidator.messagesProvider = new SimpleMessagesProvider({
  'amount_rupees.required': `Enter how much to add, in rupees, ${range}.`,
  'amount_rupees.number': `Enter the amount in rupees as a number, ${range}.`,
  'amount_rupees.withoutDecimals': 'Top-ups are in whole rupees: leave out the paise.',
  'amount_rupees.min': `A top-up is at least ${formatMoney(billing.topUpMinPaise)}.`,
  'amount_rupees.max': `A top-up is at most ${formatMoney(billing.topUpMaxPaise)}; for more, top up again.`,
})
