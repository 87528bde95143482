import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import { QueueWorker } from '#core/queue/worker'
import StartDelivery from '#deliveries/actions/start_delivery'
import Delivery from '#deliveries/models/delivery'
import DeliveryMessage from '#deliveries/models/delivery_message'
import { closeEmailTransports } from '#deliveries/services/email_sender'
import { whatsappWebhookUrl } from '#deliveries/services/webhook_urls'
import { givenOrg } from '#tests/helpers/given'
import { allowOutbound, givenSmtpIntegration } from '#tests/helpers/deliveries'
import { givenIssuedJob, learners } from '#tests/helpers/delivery_jobs'
import { PHONE_NUMBER_ID, givenWhatsappIntegration } from '#tests/helpers/whatsapp_webhooks'
import { startSmtpStandIn, type SmtpStandIn } from '../../../stand_ins/smtp.js'
import {
  startWhatsAppStandIn,
  type WhatsAppStandIn,
} from '../../../stand_ins/whatsapp_cloud_api.js'

const APP_SECRET = 'pipeline-app-secret'
const TOKEN = 'pipeline-access-token'

/** Runs the queue here until `done()` holds (webhooks arrive from the stand-in in between). */
async function until(what: string, done: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    await QueueWorker.drain({ lanes: 1 })
    if (await done()) return
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/*
| The whole WhatsApp path, as in production: StartDelivery → the send worker →
| sendWhatsapp → the Cloud API stand-in, which fetches each signed PDF link
| from this app as Meta would and posts signed status webhooks back to it;
| an undeliverable number (131026, reported by webhook after `sent`) falls
| back to an email through the org's SMTP server.
*/
test.group('Deliveries: WhatsApp end to end (worker, stand-in, webhooks, fallback)', (group) => {
  let whatsapp: WhatsAppStandIn
  let smtp: SmtpStandIn
  let undoAllow: () => void
  group.setup(async () => {
    whatsapp = await startWhatsAppStandIn({
      accessToken: TOKEN,
      appSecret: APP_SECRET,
      phoneNumberIds: [PHONE_NUMBER_ID],
      templates: [
        { name: 'certificate_issued', language: 'en', header: 'document', bodyParameters: 2 },
      ],
      delayMs: 50,
      reorder: true,
      duplicates: 1,
    })
    smtp = await startSmtpStandIn()
    undoAllow = allowOutbound('127.0.0.1')
    return async () => {
      undoAllow()
      closeEmailTransports()
      await whatsapp.close()
      await smtp.close()
    }
  })
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('three learners on WhatsApp: two reach read, the undeliverable one gets the email instead, with the PDF', async ({
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'Acme Academy' })
    const integration = await givenWhatsappIntegration(org, {
      apiBaseUrl: whatsapp.url,
      accessToken: TOKEN,
      appSecret: APP_SECRET,
    })
    await givenSmtpIntegration(org, { port: smtp.port })
    const webhook = new URL(whatsappWebhookUrl(integration.id))
    whatsapp.configure({
      webhookUrl: `http://${process.env.HOST}:${process.env.PORT}${webhook.pathname}`,
    })
    const rows = learners(3)
    whatsapp.configure({ undeliverable: [rows[1].phone!] })
    const { job, certificates } = await givenIssuedJob(org, rows)

    const started = await StartDelivery.handle({
      org,
      job: job.id,
      channels: ['whatsapp'],
      audience: 'all',
      fallbackToEmail: true,
      actorUserId: null,
    })
    assert.equal(started.kind, 'created')
    const deliveryId = started.kind === 'created' ? started.delivery.id : ''

    await until('every message to settle, the fallback email sent', async () => {
      await whatsapp.idle()
      const messages = await DeliveryMessage.query().where('delivery_id', deliveryId)
      const delivery = await Delivery.findOrFail(deliveryId)
      return (
        delivery.status === 'completed' &&
        messages.length === 4 &&
        messages.every((m) => ['read', 'failed', 'sent'].includes(m.status))
      )
    })

    const messages = await DeliveryMessage.query()
      .where('delivery_id', deliveryId)
      .orderBy('created_at', 'asc')
    const whatsappMessages = messages.filter((m) => m.channel === 'whatsapp')
    assert.lengthOf(whatsappMessages, 3)
    const failed = whatsappMessages.filter((m) => m.status === 'failed')
    assert.lengthOf(failed, 1)
    assert.equal(failed[0].errorCode, '131026')
    assert.isTrue(
      whatsappMessages.filter((m) => m !== failed[0]).every((m) => m.status === 'read' && m.readAt)
    )

    // The fallback: one email, to the undeliverable learner, carrying their PDF.
    const fallback = messages.find((m) => m.channel === 'email')!
    assert.exists(fallback)
    assert.equal(fallback.fallbackOfMessageId, failed[0].id)
    assert.equal(fallback.toEmail, rows[1].email)
    assert.equal(fallback.status, 'sent')
    const mails = smtp.messagesTo(rows[1].email!)
    assert.lengthOf(mails, 1)
    const certificate = certificates.find((c) => c.recipientEmail === rows[1].email)!
    assert.equal(mails[0].attachments[0].sha256, certificate.sha256)
    assert.lengthOf(smtp.messages(), 1, 'no email to the learners WhatsApp reached')

    // Meta fetched each document link from us, and got the certificate's exact bytes.
    const fetched = whatsapp.fetchedDocuments
    assert.lengthOf(fetched, 3)
    assert.sameMembers(
      fetched.map((f) => f.sha256),
      certificates.map((c) => c.sha256)
    )
    assert.isTrue(fetched.every((f) => f.status === 200))
  }).timeout(90_000)
})
