import { createHash, randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import { applyWaitingWhatsappStatuses } from '#deliveries/actions/record_whatsapp_statuses'
import DeliveryMessage from '#deliveries/models/delivery_message'
import DeliveryProviderWebhookEvent from '#deliveries/models/delivery_provider_webhook_event'
import { readSecrets } from '#deliveries/services/integration_secrets'
import type { OutgoingMessage } from '#deliveries/services/message_senders'
import { sendWhatsapp } from '#deliveries/services/whatsapp_sender'
import type DeliveryIntegration from '#deliveries/models/delivery_integration'
import { givenOrg } from '#tests/helpers/given'
import { allowOutbound } from '#tests/helpers/deliveries'
import {
  PHONE_NUMBER_ID,
  givenWhatsappIntegration,
  givenWhatsappMessages,
} from '#tests/helpers/whatsapp_webhooks'
import { startWhatsAppStandIn } from '../../../stand_ins/whatsapp_cloud_api.js'

const ACCESS_TOKEN = 'flow-access-token'
const APP_SECRET = 'flow-app-secret'
const VERIFY_TOKEN = 'flow-verify-token'
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n'
)
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

/** Serves the certificate PDF as our signed download link would, recording who fetched it. */
async function startDocumentServer(cleanup: (fn: () => Promise<void>) => void) {
  const requests: Array<{ path: string; userAgent: string | undefined }> = []
  const server: Server = createServer((request, response) => {
    requests.push({ path: request.url!, userAgent: request.headers['user-agent'] })
    if (request.url?.startsWith('/d/')) {
      response.writeHead(200, { 'Content-Type': 'application/pdf' })
      return response.end(PDF)
    }
    response.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  cleanup(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests }
}

/** What the send worker hands the sender for one message (the pipeline builds it; here, by hand). */
async function outgoing(
  message: DeliveryMessage,
  integration: DeliveryIntegration,
  documentUrl: string
): Promise<OutgoingMessage> {
  return {
    message,
    integration,
    secrets: await readSecrets(integration),
    addresses: ['127.0.0.1'],
    orgName: 'Acme Academy',
    recipientName: 'Learner',
    recipientPageUrl: `https://certs.example.org/r/${message.id}`,
    certificates: [
      {
        id: randomUUID(),
        certificateNumber: `ACME-${message.id.slice(0, 8)}`,
        title: 'Data Science',
        fileId: null,
        storageKey: null,
        baseFileId: null,
        sizeBytes: PDF.length,
        sha256: sha256(PDF),
        verificationUrl: 'https://certs.example.org/v/x',
        downloadUrl: `${documentUrl}/d/${message.id}.pdf?signature=abc`,
      },
    ],
    variables: { recipient_name: 'Learner' },
    unsubscribeUrl: null,
  }
}

async function until(condition: () => Promise<boolean>, what: string, ms = 10_000) {
  const deadline = Date.now() + ms
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

test.group('WhatsApp delivery, end to end with the Cloud API stand-in', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => allowOutbound('127.0.0.1'))

  test('a message sent to the stand-in has its PDF fetched, then signed webhooks move it to read; an undeliverable number ends failed 131026', async ({
    assert,
    cleanup,
  }) => {
    const documents = await startDocumentServer(cleanup)
    const standIn = await startWhatsAppStandIn({
      accessToken: ACCESS_TOKEN,
      phoneNumberIds: [PHONE_NUMBER_ID],
      appSecret: APP_SECRET,
      templates: [
        { name: 'certificate_issued', language: 'en', header: 'document', bodyParameters: 2 },
      ],
      undeliverable: ['919876543211'],
      // Meta's worst: every notification twice, statuses in any order.
      duplicates: 2,
      reorder: true,
      delayMs: 100,
    })
    cleanup(() => standIn.close())
    const { org } = await givenOrg()
    const integration = await givenWhatsappIntegration(org, {
      apiBaseUrl: standIn.url,
      accessToken: ACCESS_TOKEN,
      appSecret: APP_SECRET,
      verifyToken: VERIFY_TOKEN,
    })

    // The org configures the webhook in Meta's dashboard: Meta checks it with the handshake first.
    const subscribe = (verifyToken: string) =>
      fetch(`${standIn.url}/_standin/subscription`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          callback_url: `http://${process.env.HOST}:${process.env.PORT}/webhooks/whatsapp/${integration.id}`,
          verify_token: verifyToken,
        }),
      })
    const refused = await subscribe('wrong-token')
    assert.equal(refused.status, 400)
    await refused.arrayBuffer()
    const subscribed = await subscribe(VERIFY_TOKEN)
    assert.equal(subscribed.status, 200)
    await subscribed.arrayBuffer()

    const {
      messages: [reader, undeliverable],
    } = await givenWhatsappMessages(org, integration.id, { count: 2, withWamid: false })
    // The second recipient's number is the undeliverable one (helper numbers count up from ...43210).
    assert.equal(undeliverable.toPhone, '919876543211')

    for (const message of [reader, undeliverable]) {
      const outcome = await sendWhatsapp(await outgoing(message, integration, documents.url))
      assert.equal(outcome.outcome, 'accepted')
      // What the send worker does with an accepted message.
      message.providerMessageId = outcome.outcome === 'accepted' ? outcome.providerMessageId : null
      await message.save()
      await applyWaitingWhatsappStatuses(message)
    }

    await standIn.idle()
    await until(async () => {
      const rows = await DeliveryMessage.query()
        .whereIn('id', [reader.id, undeliverable.id])
        .whereIn('status', ['read', 'failed'])
      return rows.length === 2
    }, 'both messages to reach their last status')

    // Meta fetched each message's document link, and got our PDF.
    assert.lengthOf(standIn.fetchedDocuments, 2)
    for (const fetched of standIn.fetchedDocuments) {
      assert.equal(fetched.status, 200)
      assert.equal(fetched.sha256, sha256(PDF))
      assert.isUndefined(fetched.failure)
    }
    assert.isTrue(documents.requests.every((r) => r.userAgent === 'facebookexternalua'))
    assert.deepEqual(standIn.sent[0].document?.filename, `ACME-${reader.id.slice(0, 8)}.pdf`)

    await reader.refresh()
    assert.equal(reader.status, 'read')
    assert.isNotNull(reader.readAt)
    assert.isNotNull(reader.sentAt)
    await undeliverable.refresh()
    assert.equal(undeliverable.status, 'failed')
    assert.equal(undeliverable.errorCode, '131026')
    assert.match(undeliverable.errorMessage!, /cannot receive WhatsApp messages/)

    // Every notification was taken (200), each posted twice, and stored once.
    assert.isTrue(standIn.webhooksPosted.every((posted) => posted.responseStatus === 200))
    const statusesPosted = standIn.webhooksPosted.flatMap((posted) => posted.statuses)
    assert.lengthOf(statusesPosted, 2 * (3 + 2))
    const events = await DeliveryProviderWebhookEvent.query().where(
      'integration_id',
      integration.id
    )
    assert.lengthOf(events, 3 + 2)
    assert.isTrue(events.every((event) => event.appliedAt !== null))
    assert.sameMembers(
      events.filter((event) => event.messageId === reader.id).map((event) => event.eventType),
      ['sent', 'delivered', 'read']
    )
  })
})
