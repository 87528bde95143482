import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import deliveries from '#config/deliveries'
import { QueueWorker } from '#core/queue/worker'
import { dbTimestamp } from '#core/services/database_time'
import type Organization from '#orgs/models/organization'
import StartDelivery from '#deliveries/actions/start_delivery'
import Delivery from '#deliveries/models/delivery'
import DeliveryAttempt from '#deliveries/models/delivery_attempt'
import DeliveryIntegration from '#deliveries/models/delivery_integration'
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

const APP_SECRET = 'upload-app-secret'
const TOKEN = 'upload-access-token'

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

/** Starts a delivery and runs the worker until it is completed and no message is still to move. */
async function deliver(
  org: Organization,
  input: Partial<Parameters<typeof StartDelivery.handle>[0]> & { job: string },
  settled: (messages: DeliveryMessage[]) => boolean
) {
  const started = await StartDelivery.handle({
    org,
    channels: ['whatsapp'],
    audience: 'all',
    fallbackToEmail: false,
    actorUserId: null,
    ...input,
  })
  if (started.kind !== 'created') throw new Error(`delivery not started: ${started.kind}`)
  const deliveryId = started.delivery.id
  await until('the delivery to complete', async () => {
    const delivery = await Delivery.findOrFail(deliveryId)
    const messages = await DeliveryMessage.query().where('delivery_id', deliveryId)
    return delivery.status === 'completed' && settled(messages)
  })
  return DeliveryMessage.query().where('delivery_id', deliveryId).orderBy('created_at', 'asc')
}

/** The media id the stand-in's sent message carried in its template's document header. */
function headerDocumentOf(message: WhatsAppStandIn['sent'][number]) {
  return message.document
}

/*
| "Send the PDF: by upload": the worker reads the certificate as the email
| path does, uploads it to the Cloud API stand-in's /media and sends the
| template with `document: { id, filename }`; the stand-in never fetches a
| link. The id is kept per file, integration and number, so a resend does
| not upload again (for 29 days); an upload refused with 131053 fails the
| message with a plain reason and, when asked, the email goes instead.
*/
test.group(
  'Deliveries: WhatsApp documents by upload (worker, stand-in /media, resend, fallback)',
  (group) => {
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
        delayMs: 20,
      })
      smtp = await startSmtpStandIn()
      undoAllow = allowOutbound('127.0.0.1')
      // A resend goes to the same learners at once: WhatsApp's pair-rate gap is another spec's.
      const gap = deliveries.recipientGapMs.whatsapp
      deliveries.recipientGapMs.whatsapp = 0
      return async () => {
        deliveries.recipientGapMs.whatsapp = gap
        undoAllow()
        closeEmailTransports()
        await whatsapp.close()
        await smtp.close()
      }
    })
    group.each.setup(() => {
      whatsapp.reset()
      whatsapp.configure({ failMediaUploads: null, accountError: null })
      return testUtils.db().withGlobalTransaction()
    })

    async function givenUploadingIntegration(org: Organization) {
      const integration = await givenWhatsappIntegration(org, {
        apiBaseUrl: whatsapp.url,
        accessToken: TOKEN,
        appSecret: APP_SECRET,
        documentDelivery: 'upload',
      })
      const webhook = new URL(whatsappWebhookUrl(integration.id))
      whatsapp.configure({
        webhookUrl: `http://${process.env.HOST}:${process.env.PORT}${webhook.pathname}`,
      })
      return integration
    }

    test('the PDF is uploaded and sent by its media id; a resend sends the same id without uploading again', async ({
      assert,
    }) => {
      const { org } = await givenOrg({ name: 'Acme Academy' })
      const integration = await givenUploadingIntegration(org)
      const { job, certificates } = await givenIssuedJob(org, learners(2))

      const first = await deliver(org, { job: job.id }, (messages) =>
        messages.every((m) => m.status === 'read')
      )
      assert.lengthOf(first, 2)

      // What Meta received: each certificate's exact bytes, uploaded once, then a message naming its id.
      assert.lengthOf(whatsapp.mediaUploads, 2)
      assert.lengthOf(whatsapp.fetchedDocuments, 0, 'no link was fetched')
      assert.sameMembers(
        whatsapp.mediaUploads.map((upload) => upload.sha256),
        certificates.map((certificate) => certificate.sha256)
      )
      for (const certificate of certificates) {
        const upload = whatsapp.mediaUploads.find((u) => u.sha256 === certificate.sha256)!
        assert.equal(upload.phoneNumberId, PHONE_NUMBER_ID)
        assert.equal(upload.type, 'application/pdf')
        assert.equal(upload.filename, `${certificate.certificateNumber}.pdf`)
        const sent = whatsapp.sent.find((m) => headerDocumentOf(m)?.id === upload.id)
        assert.exists(sent, `a message carries media ${upload.id}`)
        assert.isUndefined(headerDocumentOf(sent!)?.link)
        assert.equal(headerDocumentOf(sent!)?.filename, `${certificate.certificateNumber}.pdf`)
      }
      const kept = await db
        .from('delivery_whatsapp_media')
        .where('integration_id', integration.id)
        .select('file_id', 'media_id', 'phone_number_id')
      assert.sameMembers(
        kept.map((row) => row.media_id),
        whatsapp.mediaUploads.map((upload) => upload.id)
      )
      assert.isTrue(kept.every((row) => row.phone_number_id === PHONE_NUMBER_ID))

      // A resend of the first certificate: the same media id, no second upload.
      const resent = certificates[0]
      const upload = whatsapp.mediaUploads.find((u) => u.sha256 === resent.sha256)!
      await deliver(org, { job: job.id, audience: 'picked', certificateIds: [resent.id] }, (m) =>
        m.every((message) => message.status === 'read')
      )
      assert.lengthOf(whatsapp.mediaUploads, 2, 'nothing uploaded again')
      assert.lengthOf(whatsapp.sent, 3)
      assert.equal(headerDocumentOf(whatsapp.sent[2])?.id, upload.id)

      // An id uploaded 29 days ago or more is not sent again: Meta forgets it at 30.
      await db
        .from('delivery_whatsapp_media')
        .where('integration_id', integration.id)
        .update({
          uploaded_at: dbTimestamp(undefined, DateTime.utc().minus({ days: 29, minutes: 1 })),
        })
      await deliver(org, { job: job.id, audience: 'picked', certificateIds: [resent.id] }, (m) =>
        m.every((message) => message.status === 'read')
      )
      assert.lengthOf(whatsapp.mediaUploads, 3)
      const fresh = whatsapp.mediaUploads[2]
      assert.equal(fresh.sha256, resent.sha256)
      assert.equal(headerDocumentOf(whatsapp.sent[3])?.id, fresh.id)
      const replaced = await db
        .from('delivery_whatsapp_media')
        .where('integration_id', integration.id)
        .where('media_id', fresh.id)
      assert.lengthOf(replaced, 1, 'the new id replaced the old one')
    }).timeout(90_000)

    test('a media id Meta no longer knows fails the message with 131053 and is forgotten: the next send uploads again', async ({
      assert,
    }) => {
      const { org } = await givenOrg({ name: 'Acme Academy' })
      const integration = await givenUploadingIntegration(org)
      const { job, certificates } = await givenIssuedJob(org, learners(1))
      await deliver(org, { job: job.id }, (messages) => messages.every((m) => m.status === 'read'))
      const [first] = whatsapp.mediaUploads
      assert.exists(first)

      // Meta lost the upload (its side, not ours): the id we kept is sent and fails afterwards.
      whatsapp.mediaUploads.length = 0
      const failed = await deliver(
        org,
        { job: job.id, audience: 'picked', certificateIds: [certificates[0].id] },
        (messages) => messages.every((m) => m.status === 'failed')
      )
      assert.equal(headerDocumentOf(whatsapp.sent[1])?.id, first.id)
      assert.equal(failed[0].errorCode, '131053')
      assert.include(failed[0].errorMessage!, `Media id ${first.id} was not found or has expired`)
      const kept = await db.from('delivery_whatsapp_media').where('integration_id', integration.id)
      assert.lengthOf(kept, 0, 'the id is no good any more')

      await deliver(
        org,
        { job: job.id, audience: 'picked', certificateIds: [certificates[0].id] },
        (messages) => messages.every((m) => m.status === 'read')
      )
      assert.lengthOf(whatsapp.mediaUploads, 1)
      assert.equal(whatsapp.mediaUploads[0].sha256, certificates[0].sha256)
      assert.equal(headerDocumentOf(whatsapp.sent[2])?.id, whatsapp.mediaUploads[0].id)
    }).timeout(90_000)

    test('an upload refused with 131053 fails the message with a plain reason and the email goes instead', async ({
      assert,
    }) => {
      const { org } = await givenOrg({ name: 'Acme Academy' })
      const integration = await givenUploadingIntegration(org)
      await givenSmtpIntegration(org, { port: smtp.port })
      const rows = learners(1)
      const { job, certificates } = await givenIssuedJob(org, rows)
      whatsapp.configure({ failMediaUploads: 'upload_error' })

      const messages = await deliver(
        org,
        { job: job.id, fallbackToEmail: true },
        (all) => all.length === 2 && all.every((m) => ['failed', 'sent'].includes(m.status))
      )
      const failed = messages.find((m) => m.channel === 'whatsapp')!
      assert.equal(failed.status, 'failed')
      assert.equal(failed.errorCode, '131053')
      assert.equal(
        failed.errorMessage,
        'WhatsApp refused the upload of the certificate PDF (Graph error 131053), so the message was not sent. WhatsApp said: “Unable to process the uploaded media”'
      )
      const attempts = await DeliveryAttempt.query().where('message_id', failed.id)
      assert.deepEqual(
        attempts.map((a) => [a.attempt, a.outcome, a.errorCode]),
        [[1, 'permanent', '131053']]
      )
      assert.lengthOf(whatsapp.sent, 0, 'no message went without its document')
      assert.deepEqual(
        whatsapp.rejected.map((r) => [r.path, r.code]),
        [[`/v21.0/${PHONE_NUMBER_ID}/media`, 131053]]
      )
      const kept = await db.from('delivery_whatsapp_media').where('integration_id', integration.id)
      assert.lengthOf(kept, 0)

      const fallback = messages.find((m) => m.channel === 'email')!
      assert.equal(fallback.fallbackOfMessageId, failed.id)
      assert.equal(fallback.status, 'sent')
      const mails = smtp.messagesTo(rows[0].email!)
      assert.lengthOf(mails, 1)
      assert.equal(mails[0].attachments[0].sha256, certificates[0].sha256)
    }).timeout(90_000)

    test('an upload Meta could not take for now (503) is tried again; a refused token (190) pauses the integration', async ({
      assert,
    }) => {
      const { org } = await givenOrg({ name: 'Acme Academy' })
      const integration = await givenUploadingIntegration(org)
      const { job } = await givenIssuedJob(org, learners(1))
      whatsapp.configure({ failMediaUploads: 'server_error' })
      const started = await StartDelivery.handle({
        org,
        job: job.id,
        channels: ['whatsapp'],
        audience: 'all',
        fallbackToEmail: false,
        actorUserId: null,
      })
      assert.equal(started.kind, 'created')
      await QueueWorker.drain({ lanes: 1 })
      const [message] = await DeliveryMessage.query().where('generation_job_id', job.id)
      assert.equal(message.status, 'queued')
      assert.equal(message.attempts, 1)
      assert.equal(message.errorCode, '2')
      assert.isNotNull(message.nextAttemptAt)

      // The retry's moment comes; this time the token has expired.
      whatsapp.configure({ failMediaUploads: null, accountError: 190 })
      const due = dbTimestamp(undefined, DateTime.utc().minus({ seconds: 1 }))
      await db.from('delivery_messages').where('id', message.id).update({ next_attempt_at: due })
      await db
        .from('queue_jobs')
        .where('kind', 'deliveries.send')
        .where('state', 'available')
        .update({ run_at: due })
      await QueueWorker.drain({ lanes: 1 })
      await message.refresh()
      assert.equal(message.status, 'queued', 'the message waits for the integration')
      assert.equal(message.attempts, 1, 'the paused try is not counted')
      await integration.refresh()
      assert.isNotNull(integration.pausedAt)
      assert.equal(integration.pauseCode, '190')
      assert.match(integration.pauseReason!, /access token was refused/)
      assert.lengthOf(whatsapp.mediaUploads, 0)
      assert.lengthOf(whatsapp.sent, 0)
      assert.deepEqual(
        whatsapp.rejected.map((r) => r.code),
        [2, 190]
      )
      assert.exists(await DeliveryIntegration.find(integration.id))
    }).timeout(90_000)
  }
)
