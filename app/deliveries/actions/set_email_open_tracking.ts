import db from '@adonisjs/lucid/services/db'
import { dbTimestamp } from '#core/services/database_time'
import { auditInOrg, type OrgActing } from '#orgs/actions/org_audit'
import { deliverySettingsOf } from '#deliveries/queries/delivery_settings'

export type SetEmailOpenTrackingResult = { kind: 'changed' } | { kind: 'unchanged' }

/**
 * Turns email open tracking on or off for the org (Settings → Delivery),
 * with its audit entry (as the org's other settings: the fields changed,
 * here with the new value, a yes or no), in one transaction. It applies to messages handed
 * to their provider from then on: one already sent keeps what it was sent
 * with (#deliveries/services/open_tracking).
 */
export default class SetEmailOpenTracking {
  static async handle(input: OrgActing & { on: boolean }): Promise<SetEmailOpenTrackingResult> {
    return db.transaction(async (trx) => {
      const before = await deliverySettingsOf(input.org, trx)
      if (before.trackEmailOpens === input.on) return { kind: 'unchanged' as const }
      const now = dbTimestamp(trx)
      await trx
        .insertQuery()
        .table('delivery_settings')
        .insert({
          organization_id: input.org.id,
          track_email_opens: input.on,
          updated_by: input.actorUserId,
          created_at: now,
          updated_at: now,
        })
        .knexQuery.onConflict('organization_id')
        .merge(['track_email_opens', 'updated_by', 'updated_at'])
      await auditInOrg(
        trx,
        input,
        'delivery.settings_changed',
        { type: 'organization', id: input.org.id },
        { fields: ['track_email_opens'], track_email_opens: input.on }
      )
      return { kind: 'changed' as const }
    })
  }
}
