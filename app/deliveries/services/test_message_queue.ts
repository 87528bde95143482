import { defineJob } from '#core/queue/registry'
import { dbTimestamp } from '#core/services/database_time'
import { SecretUndecryptable } from '#core/services/secret_keyring'
import Organization from '#orgs/models/organization'
import DeliveryIntegration from '#deliveries/models/delivery_integration'
import { readSecrets } from '#deliveries/services/integration_secrets'
import { checkIntegrationTarget } from '#deliveries/services/integration_hosts'
import {
  sendEmailApiTest,
  sendSmtpTest,
  sendWhatsAppTest,
  type TestOutcome,
} from '#deliveries/services/test_message_senders'
import db from '@adonisjs/lucid/services/db'

export interface TestMessagePayload {
  integrationId: string
  to: string
}

/**
 * "Send a test message" runs on the queue (the API answers 202 at once):
 * one attempt, no retries, since a test reports what happened now. The
 * outcome lands on the integration (`last_test_*`), where the settings page
 * and the API read it.
 */
export const testMessage = defineJob<TestMessagePayload>('deliveries.test_message', {
  maxAttempts: () => 1,

  async perform(job) {
    const integration = await DeliveryIntegration.query()
      .where('id', job.payload.integrationId)
      .where('organization_id', job.organizationId!)
      .whereNull('deleted_at')
      .first()
    // Removed since it was asked for: nothing to report to.
    if (!integration) return
    const outcome = await runTest(integration, job.payload.to)
    await db.transaction(async (trx) => {
      await job.fence(trx)
      // Written as each engine stores timestamps, so the model reads them back.
      const now = dbTimestamp(trx)
      await DeliveryIntegration.query({ client: trx })
        .where('id', integration.id)
        .update({
          last_test_status: outcome.kind,
          last_test_message: outcome.message.slice(0, 1000),
          last_tested_at: now,
          updated_at: now,
        })
      await job.complete(trx)
    })
  },

  async failed(trx, job) {
    await DeliveryIntegration.query({ client: trx })
      .where('id', job.payload.integrationId)
      .update({
        last_test_status: 'failed',
        last_test_message: 'The test could not be run because of an error on our side. Try again.',
        last_tested_at: dbTimestamp(trx),
      })
  },
})

async function runTest(integration: DeliveryIntegration, to: string): Promise<TestOutcome> {
  if (!integration.isActive) {
    return {
      kind: 'failed',
      message: 'The integration is disabled: enable it to send a test message.',
    }
  }
  // Checked again before each send: a name can resolve elsewhere since it was saved.
  const target = await checkIntegrationTarget(integration.provider, integration.settings)
  if (target.kind === 'refused') return { kind: 'failed', message: target.reason }
  let secrets
  try {
    secrets = await readSecrets(integration)
  } catch (error) {
    if (!(error instanceof SecretUndecryptable)) throw error
    return {
      kind: 'failed',
      message:
        'The saved secrets of this integration can no longer be read: enter them again and save.',
    }
  }
  const org = await Organization.findOrFail(integration.organizationId)
  const send = { integration, secrets, addresses: target.addresses, to, orgName: org.name }
  if (integration.provider === 'whatsapp_cloud') return sendWhatsAppTest(send)
  if (integration.provider === 'smtp') return sendSmtpTest(send)
  return sendEmailApiTest(send)
}
