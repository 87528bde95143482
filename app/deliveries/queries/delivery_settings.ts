import db from '@adonisjs/lucid/services/db'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'

/** An org's delivery settings; an org that never changed one has the defaults. */
export interface DeliverySettings {
  /** HTML emails carry a 1×1 tracking image and opens are recorded (#deliveries/services/open_tracking). */
  trackEmailOpens: boolean
}

export const DEFAULT_DELIVERY_SETTINGS: DeliverySettings = { trackEmailOpens: false }

/** The org's delivery settings (`delivery_settings`, one row per org that changed them). */
export async function deliverySettingsOf(
  org: { id: string },
  client: QueryClientContract = db.connection()
): Promise<DeliverySettings> {
  const row = await client
    .from('delivery_settings')
    .where('organization_id', org.id)
    .select('track_email_opens')
    .first()
  if (!row) return { ...DEFAULT_DELIVERY_SETTINGS }
  return { trackEmailOpens: Boolean(row.track_email_opens) }
}
