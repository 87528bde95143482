import db from '@adonisjs/lucid/services/db'
import { Queue } from '#core/queue/queue'
import { dbTimestamp } from '#core/services/database_time'
import { auditInOrg, type OrgActing } from '#orgs/actions/org_audit'
import type DeliveryIntegration from '#deliveries/models/delivery_integration'
import OrgDeliveryIntegrations from '#deliveries/queries/org_delivery_integrations'
import { enqueueSends, type QueuedMessage } from '#deliveries/services/send_queue'

export type ResumeIntegrationResult =
  | { kind: 'resumed'; integration: DeliveryIntegration; requeued: number }
  | { kind: 'not_found' }
  | { kind: 'not_paused'; integration: DeliveryIntegration }

/**
 * Resumes an integration an account-level error paused (after the org fixed
 * it): the pause is cleared and every message still queued through it (in
 * deliveries not cancelled) is given new send jobs, in one transaction.
 */
export default class ResumeDeliveryIntegration {
  static async handle(
    input: OrgActing & { integrationId: string }
  ): Promise<ResumeIntegrationResult> {
    const result = await db.transaction(async (trx) => {
      const integration = await OrgDeliveryIntegrations.find(input.org, input.integrationId, trx)
      if (!integration) return { kind: 'not_found' as const }
      if (!integration.pausedAt) return { kind: 'not_paused' as const, integration }
      const reason = integration.pauseReason
      integration.pausedAt = null
      integration.pauseCode = null
      integration.pauseReason = null
      await integration.useTransaction(trx).save()
      const rows = await trx
        .from('delivery_messages as m')
        .join('deliveries as d', 'd.id', 'm.delivery_id')
        .where('m.organization_id', input.org.id)
        .where('m.integration_id', integration.id)
        .where('m.status', 'queued')
        .whereNot('d.status', 'cancelled')
        .where((query) => query.whereNull('m.error_code').orWhereNot('m.error_code', 'cancelled'))
        .orderBy('m.id', 'asc')
        .select('m.id', 'm.delivery_id', 'm.provider')
      const queued: QueuedMessage[] = rows.map((row) => ({
        id: row.id,
        deliveryId: row.delivery_id,
        integrationId: integration.id,
        provider: row.provider,
      }))
      await trx
        .from('delivery_messages')
        .where('integration_id', integration.id)
        .where('status', 'queued')
        .whereNotNull('next_attempt_at')
        .update({ next_attempt_at: null, updated_at: dbTimestamp(trx) })
      await enqueueSends(trx, input.org.id, queued)
      await auditInOrg(
        trx,
        input,
        'delivery_integration.resumed',
        { type: 'delivery_integration', id: integration.id },
        { name: integration.displayName, paused_because: reason, requeued: queued.length }
      )
      return { kind: 'resumed' as const, integration, requeued: queued.length }
    })
    if (result.kind === 'resumed') Queue.notify()
    return result
  }
}
