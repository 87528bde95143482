import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { Queue } from '#core/queue/queue'
import { auditInOrg, type OrgActing } from '#orgs/actions/org_audit'
import type DeliveryIntegration from '#deliveries/models/delivery_integration'
import OrgDeliveryIntegrations from '#deliveries/queries/org_delivery_integrations'
import { testMessage } from '#deliveries/services/test_message_queue'

export type RequestTestMessageResult =
  | { kind: 'queued'; integration: DeliveryIntegration }
  | { kind: 'not_found' }
  | { kind: 'disabled'; integration: DeliveryIntegration }
  | { kind: 'invalid_recipient'; message: string }

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/
const PHONE = /^\+?[0-9][0-9 ()-]{6,30}$/

/**
 * Queues a test message through an integration and marks its last test
 * pending, with the audit entry, in one transaction; the queue job sends
 * it and records the outcome (#deliveries/services/test_message_queue).
 */
export default class RequestTestMessage {
  static async handle(
    input: OrgActing & { integrationId: string; to: string }
  ): Promise<RequestTestMessageResult> {
    const result = await db.transaction(async (trx) => {
      const integration = await OrgDeliveryIntegrations.find(input.org, input.integrationId, trx)
      if (!integration) return { kind: 'not_found' as const }
      if (!integration.isActive) return { kind: 'disabled' as const, integration }
      const to = input.to.trim()
      if (integration.channel === 'email' && !EMAIL.test(to)) {
        return {
          kind: 'invalid_recipient' as const,
          message: 'Send the test to an email address, like you@example.org.',
        }
      }
      const digits = to.replace(/[^0-9]/g, '')
      if (
        integration.channel === 'whatsapp' &&
        (!PHONE.test(to) || digits.length < 8 || digits.length > 15)
      ) {
        return {
          kind: 'invalid_recipient' as const,
          message:
            'Send the test to a WhatsApp number with its country code, like +91 98765 43210.',
        }
      }
      integration.lastTestStatus = 'pending'
      integration.lastTestMessage = null
      integration.lastTestTo = to
      integration.lastTestedAt = DateTime.now()
      await integration.useTransaction(trx).save()
      await Queue.enqueue(
        trx,
        testMessage,
        { integrationId: integration.id, to },
        { organizationId: integration.organizationId, subjectId: integration.id }
      )
      await auditInOrg(
        trx,
        input,
        'delivery_integration.test_requested',
        { type: 'delivery_integration', id: integration.id },
        { name: integration.displayName, to }
      )
      return { kind: 'queued' as const, integration }
    })
    if (result.kind === 'queued') Queue.notify()
    return result
  }
}
