import { test } from '@japa/runner'
import { createHash } from 'node:crypto'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { dbTimestamp } from '#core/services/database_time'
import deliveries from '#config/deliveries'
import { QueueWorker } from '#core/queue/worker'
import StartDelivery from '#deliveries/actions/start_delivery'
import CancelDelivery from '#deliveries/actions/cancel_delivery'
import ResumeDeliveryIntegration from '#deliveries/actions/resume_delivery_integration'
import { writeSecrets } from '#deliveries/services/integration_secrets'
import Delivery from '#deliveries/models/delivery'
import DeliveryIntegration from '#deliveries/models/delivery_integration'
import DeliveryMessage from '#deliveries/models/delivery_message'
import DeliverySuppression from '#deliveries/models/delivery_suppression'
import { closeEmailTransports } from '#deliveries/services/email_sender'
import { queueFallbackEmails } from '#deliveries/services/send_worker'
import { givenOrg } from '#tests/helpers/given'
import { allowOutbound, givenSmtpIntegration } from '#tests/helpers/deliveries'
import { givenIssuedJob, learners, sendUntilDone, startEmail } from '#tests/helpers/delivery_jobs'
import { mailbox } from '#tests/helpers/smtp_server'
import { startSmtpStandIn, type SmtpStandIn } from '../../../stand_ins/smtp.js'

function messagesOf(deliveryId: string) {
  return DeliveryMessage.query().where('delivery_id', deliveryId).orderBy('to_email', 'asc')
}

test.group('Deliveries: sending email through the org’s SMTP server', (group) => {
  let standIn: SmtpStandIn
  let undoAllow: () => void
  const saved = { ...deliveries }

  group.setup(async () => {
    standIn = await startSmtpStandIn()
    undoAllow = allowOutbound('127.0.0.1')
    return async () => {
      undoAllow()
      closeEmailTransports()
      await standIn.close()
    }
  })
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => {
    standIn.reset()
    standIn.configure({ rejectRecipients: [], tempFailRecipients: [] })
    mailbox.clear()
    return () => {
      Object.assign(deliveries, saved)
      closeEmailTransports()
    }
  })

  test('20 recipients each get one mail with their PDF (SHA-256 equal), List-Unsubscribe, and one click unsubscribes', async ({
    assert,
    client,
  }) => {
    const { org } = await givenOrg({ name: 'Acme Academy' })
    await givenSmtpIntegration(org, { port: standIn.port })
    const { job, certificates } = await givenIssuedJob(org, learners(20))
    const delivery = await startEmail(org, job.id)
    const done = await sendUntilDone(delivery.id)
    assert.equal(done.status, 'completed')
    assert.isNotNull(done.finishedAt)

    const mails = standIn.messages()
    assert.lengthOf(mails, 20)
    const byNumber = new Map(certificates.map((c) => [`${c.certificateNumber}.pdf`, c]))
    for (const mail of mails) {
      assert.lengthOf(mail.envelope.to, 1)
      assert.lengthOf(mail.attachments, 1)
      const certificate = byNumber.get(mail.attachments[0].filename!)!
      assert.exists(certificate, `unexpected attachment ${mail.attachments[0].filename}`)
      assert.equal(mail.envelope.to[0], certificate.recipientEmail)
      assert.equal(mail.attachments[0].contentType, 'application/pdf')
      assert.equal(mail.attachments[0].sha256, certificate.sha256)
      assert.equal(
        createHash('sha256').update(mail.attachments[0].content!).digest('hex'),
        certificate.sha256
      )
      assert.match(mail.headers['list-unsubscribe'], /^<http:\/\/.+\/deliveries\/unsubscribe\/.+>$/)
      assert.equal(mail.headers['list-unsubscribe-post'], 'List-Unsubscribe=One-Click')
      assert.include(mail.headers.from, 'certificates@acme.example')
      assert.include(mail.text, certificate.recipientName)
    }
    assert.equal(new Set(mails.map((m) => m.envelope.to[0])).size, 20)

    const messages = await messagesOf(delivery.id)
    assert.isTrue(messages.every((m) => m.status === 'sent' && m.providerMessageId && m.sentAt))
    assert.sameMembers(
      messages.map((m) => m.providerMessageId!),
      mails.map((m) => m.headers['message-id'])
    )
    const attempts = await db
      .from('delivery_attempts')
      .whereIn(
        'message_id',
        messages.map((m) => m.id)
      )
      .select('outcome')
    assert.lengthOf(attempts, 20)
    assert.isTrue(attempts.every((a) => a.outcome === 'accepted'))

    // One click (RFC 8058), as a mail client posts it.
    const mail = standIn.messagesTo('learner7@example.com')[0]
    const unsubscribe = new URL(mail.headers['list-unsubscribe'].slice(1, -1))
    const confirm = await client.get(unsubscribe.pathname)
    confirm.assertStatus(200)
    assert.include(confirm.text(), 'learner7@example.com')
    assert.isNull(
      await DeliverySuppression.query().where('organization_id', org.id).first(),
      'a GET (a link scanner) unsubscribes nobody'
    )
    const posted = await client.post(unsubscribe.pathname).form({ 'List-Unsubscribe': 'One-Click' })
    posted.assertStatus(200)
    const suppression = await DeliverySuppression.query()
      .where('organization_id', org.id)
      .firstOrFail()
    assert.equal(suppression.address, 'learner7@example.com')
    assert.equal(suppression.reason, 'unsubscribe')
    assert.equal(suppression.channel, 'email')
    const tampered = await client.post(
      unsubscribe.pathname.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))
    )
    tampered.assertStatus(404)

    const again = await startEmail(org, job.id)
    const suppressed = await DeliveryMessage.query()
      .where('delivery_id', again.id)
      .where('status', 'suppressed')
    assert.deepEqual(
      suppressed.map((m) => m.toEmail),
      ['learner7@example.com']
    )
  })

  test('a transient SMTP refusal is retried and then sent; a permanent one fails with its reason and suppresses the address', async ({
    assert,
  }) => {
    deliveries.retryBaseMs = 60_000
    const { org } = await givenOrg()
    await givenSmtpIntegration(org, { port: standIn.port })
    const { job } = await givenIssuedJob(org, learners(3))
    standIn.configure({
      tempFailRecipients: ['learner1@example.com'],
      rejectRecipients: ['learner2@example.com'],
    })
    const delivery = await startEmail(org, job.id)
    await QueueWorker.drain({ lanes: 1 })

    let [first, second, third] = await messagesOf(delivery.id)
    assert.equal(first.status, 'queued')
    assert.equal(first.errorCode, 'smtp_451')
    assert.equal(first.attempts, 1)
    assert.isNotNull(first.nextAttemptAt)
    assert.equal(second.status, 'failed')
    assert.equal(second.errorCode, 'smtp_550')
    assert.include(second.errorMessage!, 'rejected the message to learner2@example.com')
    assert.equal(third.status, 'sent')

    // The server takes it now; a minute on (the retry's time has come).
    standIn.configure({ tempFailRecipients: [] })
    const retryAt = first.nextAttemptAt!.toMillis()
    assert.isAtLeast(retryAt - Date.now(), 20_000)
    const due = dbTimestamp(undefined, DateTime.utc().minus({ seconds: 1 }))
    await db.from('delivery_messages').where('id', first.id).update({ next_attempt_at: due })
    await db
      .from('queue_jobs')
      .where('kind', 'deliveries.send')
      .where('state', 'available')
      .update({ run_at: due })
    const done = await sendUntilDone(delivery.id)
    assert.equal(done.status, 'completed')
    ;[first, second] = await messagesOf(delivery.id)
    assert.equal(first.status, 'sent')
    assert.equal(first.attempts, 2)
    const outcomes = await db
      .from('delivery_attempts')
      .where('message_id', first.id)
      .orderBy('attempt', 'asc')
      .select('outcome', 'error_code')
    assert.deepEqual(
      outcomes.map((o) => o.outcome),
      ['transient', 'accepted']
    )
    assert.equal(outcomes[0].error_code, 'smtp_451')
    assert.lengthOf(standIn.messagesTo('learner1@example.com'), 1)
    assert.lengthOf(standIn.messagesTo('learner2@example.com'), 0)

    const bounce = await DeliverySuppression.query().where('organization_id', org.id).firstOrFail()
    assert.equal(bounce.address, 'learner2@example.com')
    assert.equal(bounce.reason, 'hard_bounce')
    assert.equal(bounce.messageId, second.id)
  })

  test('a transient error fails the message after the last try', async ({ assert }) => {
    deliveries.retryBaseMs = 20
    deliveries.maxSendAttempts = 3
    const { org } = await givenOrg()
    await givenSmtpIntegration(org, { port: standIn.port })
    const { job } = await givenIssuedJob(org, learners(1))
    standIn.configure({ tempFailRecipients: ['learner1@example.com'] })
    const delivery = await startEmail(org, job.id)
    await sendUntilDone(delivery.id)
    const [message] = await messagesOf(delivery.id)
    assert.equal(message.status, 'failed')
    assert.equal(message.attempts, 3)
    assert.equal(message.errorCode, 'smtp_451')
    assert.include(message.errorMessage!, 'Given up after 3 tries')
  })

  test('an SMTP authentication failure pauses the integration, keeps the messages queued and mails the admins once; resumed, they go out', async ({
    assert,
  }) => {
    const guarded = await startSmtpStandIn({ auth: { user: 'acme', pass: 'right-password' } })
    try {
      const { org, owner } = await givenOrg()
      const integration = await givenSmtpIntegration(org, {
        port: guarded.port,
        username: 'acme',
        password: 'wrong-password',
      })
      const { job } = await givenIssuedJob(org, learners(3))
      const delivery = await startEmail(org, job.id)
      await QueueWorker.drain({ lanes: 1 })

      const paused = await DeliveryIntegration.findOrFail(integration.id)
      assert.isNotNull(paused.pausedAt)
      assert.equal(paused.pauseCode, 'smtp_535')
      assert.include(paused.pauseReason!, 'Authentication failed')
      const messages = await messagesOf(delivery.id)
      assert.isTrue(messages.every((m) => m.status === 'queued'))
      assert.isTrue(messages.every((m) => m.attempts === 0))
      assert.lengthOf(guarded.messages(), 0)
      const refusals = guarded.refusals().filter((r) => r.stage === 'auth')
      assert.isAtLeast(refusals.length, 1)
      assert.isAtMost(
        refusals.length,
        deliveries.inFlightPerJob,
        'beyond the messages in flight, the list is not burnt through'
      )

      const mail = await mailbox.waitFor(owner.email, /Sending paused/)
      assert.include(mail.text, 'Authentication failed')
      assert.lengthOf(
        mailbox
          .all()
          .filter(
            (m) => m.to.includes(owner.email.toLowerCase()) && /Sending paused/.test(m.subject)
          ),
        1
      )
      const again = await StartDelivery.handle({
        org,
        job: job.id,
        channels: ['email'],
        audience: 'all',
        fallbackToEmail: false,
        actorUserId: null,
      })
      assert.equal(again.kind === 'refused' && again.code, 'E_INTEGRATION_PAUSED')

      // The org fixes the password and resumes: the messages kept go out.
      await db.transaction((trx) => writeSecrets(trx, paused, { password: 'right-password' }))
      const resumed = await ResumeDeliveryIntegration.handle({
        org,
        actorUserId: null,
        integrationId: integration.id,
      })
      assert.equal(resumed.kind, 'resumed')
      if (resumed.kind === 'resumed') assert.equal(resumed.requeued, 3)
      const done = await sendUntilDone(delivery.id)
      assert.equal(done.status, 'completed')
      assert.lengthOf(guarded.messages(), 3)
      const sent = await messagesOf(delivery.id)
      assert.isTrue(sent.every((m) => m.status === 'sent' && m.attempts === 1))
      const { org: other } = await givenOrg()
      const foreign = await ResumeDeliveryIntegration.handle({
        org: other,
        actorUserId: null,
        integrationId: integration.id,
      })
      assert.equal(foreign.kind, 'not_found')
    } finally {
      closeEmailTransports()
      await guarded.close()
    }
  })

  test('with a rate of R messages a second, no second at the SMTP server sees more than R', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenSmtpIntegration(org, { port: standIn.port })
    integration.config = { ...integration.config, messages_per_second: 4 }
    await integration.save()
    const { job } = await givenIssuedJob(org, learners(10))
    const delivery = await startEmail(org, job.id)
    const began = Date.now()
    await sendUntilDone(delivery.id)
    const times = standIn
      .messages()
      .map((m) => m.receivedAt.getTime())
      .sort((a, b) => a - b)
    assert.lengthOf(times, 10)
    for (const [i, at] of times.entries()) {
      const inWindow = times.filter((t) => t >= at && t < at + 1000).length
      assert.isAtMost(inWindow, 4, `window from message ${i + 1}`)
    }
    assert.isAtLeast(Date.now() - began, 2000, '10 messages at 4 a second take over 2 s')
  })

  test('PDFs above the attachment limit are linked: the signed link serves the exact PDF; the recipient page lists them', async ({
    assert,
    client,
  }) => {
    deliveries.maxAttachmentBytes = 1000
    const { org } = await givenOrg()
    await givenSmtpIntegration(org, { port: standIn.port })
    const { job, certificates } = await givenIssuedJob(org, learners(1), { templates: 2 })
    const delivery = await startEmail(org, job.id)
    await sendUntilDone(delivery.id)
    const [mail] = standIn.messages()
    assert.lengthOf(mail.attachments, 0)
    for (const certificate of certificates) {
      const line = mail.text.split('\n').find((l) => l.startsWith(certificate.certificateNumber))!
      assert.exists(line)
      const link = new URL(line.slice(line.indexOf('http')))
      const pdf = await client.get(link.pathname)
      pdf.assertStatus(200)
      pdf.assertHeader('content-type', 'application/pdf')
      assert.equal(
        createHash('sha256')
          .update(pdf.response.body ?? pdf.text())
          .digest('hex'),
        certificate.sha256
      )
    }
    const pageLine = mail.text.split('\n').find((l) => l.startsWith('All your certificates'))!
    const page = await client.get(new URL(pageLine.slice(pageLine.indexOf('http'))).pathname)
    page.assertStatus(200)
    for (const certificate of certificates)
      assert.include(page.text(), certificate.certificateNumber)

    const forged = await client.get(
      `/deliveries/pdf/${certificates[0].id}.99999999999.AAAAAAAAAAAAAAAAAAAAAA`
    )
    forged.assertStatus(404)
  })

  test('an org without an email integration sends through the platform, labelled via Authentix; cancelling stops the rest', async ({
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'Plain School' })
    const { job } = await givenIssuedJob(org, learners(2))
    const delivery = await startEmail(org, job.id)
    const messages = await messagesOf(delivery.id)
    assert.isTrue(messages.every((m) => m.provider === 'platform'))
    await sendUntilDone(delivery.id)
    const mail = await mailbox.waitFor('learner1@example.com')
    assert.include(mail.headers.from, 'Plain School via Authentix')

    const second = await startEmail(org, job.id)
    const cancelled = await CancelDelivery.handle({ org, actorUserId: null, deliveryId: second.id })
    assert.equal(cancelled.kind, 'cancelled')
    if (cancelled.kind === 'cancelled') assert.equal(cancelled.unsent, 2)
    mailbox.clear()
    await QueueWorker.drain({ lanes: 1 })
    assert.lengthOf(mailbox.all(), 0)
    const left = await messagesOf(second.id)
    assert.isTrue(left.every((m) => m.status === 'queued' && m.errorCode === 'cancelled'))
    const { org: other } = await givenOrg()
    const foreign = await CancelDelivery.handle({
      org: other,
      actorUserId: null,
      deliveryId: delivery.id,
    })
    assert.equal(foreign.kind, 'not_found')
  })

  test('a WhatsApp message that failed for good (by webhook) gets its fallback email when the delivery asked for one', async ({
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'Fallback School' })
    await DeliveryIntegration.create({
      organizationId: org.id,
      channel: 'whatsapp',
      provider: 'whatsapp_cloud',
      displayName: 'Our WhatsApp number',
      isActive: true,
      isDefault: true,
      whatsappPhoneNumber: '+91 98765 00000',
      whatsappPhoneNumberId: '1098765',
      whatsappWabaId: '2098765',
      config: { api_version: 'v21.0', template_name: 'certificate_ready', template_language: 'en' },
    })
    const rows = learners(2)
    rows[1].email = undefined
    const { job } = await givenIssuedJob(org, rows)
    const started = await StartDelivery.handle({
      org,
      job: job.id,
      channels: ['whatsapp'],
      audience: 'all',
      fallbackToEmail: true,
      actorUserId: null,
    })
    if (started.kind !== 'created') throw new Error(JSON.stringify(started))
    // The WhatsApp messages went out (not on this branch's senders) and their webhooks said 131026.
    await db
      .from('queue_jobs')
      .where('subject_id', started.delivery.id)
      .update({ state: 'cancelled' })
    const whatsapp = await messagesOf(started.delivery.id)
    await DeliveryMessage.query()
      .where('delivery_id', started.delivery.id)
      .update({ status: 'failed', error_code: '131026' })
    await db.from('deliveries').where('id', started.delivery.id).update({ status: 'completed' })

    const queued = await queueFallbackEmails(whatsapp.map((m) => m.id))
    assert.equal(queued, 1, 'the recipient without an email gets none')
    assert.equal(await queueFallbackEmails(whatsapp.map((m) => m.id)), 0, 'only once')
    const reopened = await Delivery.findOrFail(started.delivery.id)
    assert.equal(reopened.status, 'sending')
    assert.equal(reopened.totalMessages, 3)

    const done = await sendUntilDone(started.delivery.id)
    assert.equal(done.status, 'completed')
    const email = await DeliveryMessage.query()
      .where('delivery_id', started.delivery.id)
      .where('channel', 'email')
      .firstOrFail()
    assert.equal(email.status, 'sent')
    assert.equal(email.toEmail, 'learner1@example.com')
    const original = whatsapp.find((m) => m.recipientId === email.recipientId)!
    assert.equal(email.fallbackOfMessageId, original.id)
    const mail = await mailbox.waitFor('learner1@example.com')
    assert.include(mail.headers.from, 'Fallback School via Authentix')
  })
})
