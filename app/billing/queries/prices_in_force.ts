import db from '@adonisjs/lucid/services/db'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import type Organization from '#orgs/models/organization'

/**
 * What an org pays on a given day: the default price book's prices, each
 * replaced by the org's override in force that day when it sets one
 * (`organization_pricing_overrides`: from `effective_from` to `effective_to`,
 * both days included, no end when null). Where overrides overlap, the one
 * that started last decides (then the newest). A waived platform fee is 0.
 * Billing prices each certificate by the day it was issued, and the
 * platform fee by the period's first day.
 */
export interface PricesInForce {
  priceBookKey: string
  currency: string
  platformFeePaise: number
  platformFeeWaived: boolean
  certificateFeePaise: number
  gstRateBasisPoints: number
  freeReissueDays: number
  /** The override that changed something, or null for the book's own prices. */
  overrideId: string | null
}

const DAY = /^\d{4}-\d{2}-\d{2}$/

/** bigint columns come back as strings from PostgreSQL: whole paise either way. */
function paise(value: unknown, column: string) {
  const amount = Number(value)
  if (!Number.isSafeInteger(amount)) throw new Error(`${column} is not a whole number of paise`)
  return amount
}

export async function pricesInForce(
  org: Pick<Organization, 'id'>,
  day: string,
  client: QueryClientContract = db.connection()
): Promise<PricesInForce> {
  if (!DAY.test(day)) throw new Error(`a day is YYYY-MM-DD, not “${day}”`)
  const book = await client.from('billing_price_books').where('is_default', true).first()
  if (!book) throw new Error('no default price book (migration 0020 creates “startup”)')
  const override = await client
    .from('organization_pricing_overrides')
    .where('organization_id', org.id)
    .where('effective_from', '<=', day)
    .where((open) => open.whereNull('effective_to').orWhere('effective_to', '>=', day))
    .orderBy([
      { column: 'effective_from', order: 'desc' },
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .first()
  const waived = Boolean(override?.platform_fee_waived)
  return {
    priceBookKey: book.key,
    currency: book.currency,
    platformFeePaise: waived
      ? 0
      : paise(override?.platform_fee_paise ?? book.platform_fee_paise, 'platform_fee_paise'),
    platformFeeWaived: waived,
    certificateFeePaise: paise(
      override?.certificate_fee_paise ?? book.certificate_fee_paise,
      'certificate_fee_paise'
    ),
    gstRateBasisPoints: Number(override?.gst_rate_basis_points ?? book.gst_rate_basis_points),
    freeReissueDays: Number(book.free_reissue_days),
    overrideId: override?.id ?? null,
  }
}
