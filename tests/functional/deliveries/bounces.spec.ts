import { readFile } from 'node:fs/promises'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import deliveries from '#config/deliveries'
import type Organization from '#orgs/models/organization'
import UpdateDeliveryIntegration from '#deliveries/actions/update_delivery_integration'
import DeliveryMessage from '#deliveries/models/delivery_message'
import DeliveryProviderWebhookEvent from '#deliveries/models/delivery_provider_webhook_event'
import DeliverySuppression from '#deliveries/models/delivery_suppression'
import { timelineWords } from '#deliveries/presenters/delivery_panel'
import { certificateTimeline } from '#deliveries/queries/delivery_timeline'
import { bounceAddressOf } from '#deliveries/services/bounce_addresses'
import { startBounceReceiver, type BounceReceiver } from '#deliveries/services/bounce_receiver'
import { closeEmailTransports } from '#deliveries/services/email_sender'
import { actingAs, givenOrg } from '#tests/helpers/given'
import DeliveryIntegration from '#deliveries/models/delivery_integration'
import { allowOutbound, givenSmtpIntegration } from '#tests/helpers/deliveries'
import { givenIssuedJob, learners, sendUntilDone, startEmail } from '#tests/helpers/delivery_jobs'
import { mailbox } from '#tests/helpers/smtp_server'
import {
  deliveryReport,
  sendRaw,
  startSmtpStandIn,
  type SmtpStandIn,
} from '../../../stand_ins/smtp.js'

const DOMAIN = 'bounces.authentix.test'

function messageTo(deliveryId: string, address: string) {
  return DeliveryMessage.query()
    .where('delivery_id', deliveryId)
    .where('to_email', address)
    .firstOrFail()
}

/** A job of `org` over `count` learners sent through its SMTP integration at the stand-in, all accepted. */
async function givenSentJob(org: Organization, standIn: SmtpStandIn, count = 2) {
  await givenSmtpIntegration(org, { port: standIn.port })
  const { job, certificates } = await givenIssuedJob(org, learners(count))
  const delivery = await startEmail(org, job.id)
  await sendUntilDone(delivery.id)
  return { job, certificates, delivery }
}

async function fixture(name: string) {
  const text = await readFile(
    new URL(`../../fixtures/bounces/${name}.eml`, import.meta.url),
    'utf8'
  )
  return text.replace(/\r?\n/g, '\r\n')
}

/** What a mail server that bounced `address` sends back, as the stand-in writes it. */
function reportFor(address: string, returnPath: string, action: 'failed' | 'delayed' = 'failed') {
  return deliveryReport({
    to: returnPath,
    recipients: [address],
    action,
    original: Buffer.from(
      `From: Acme Academy <certificates@acme.example>\r\nTo: ${address}\r\n\r\n`
    ),
    reportingHost: 'mx.campus.example',
  })
}

test.group('Deliveries: bounces to the platform’s bounce mailbox', (group) => {
  let receiver: BounceReceiver
  let standIn: SmtpStandIn
  let undoAllow: () => void
  const savedBounces = { ...deliveries.bounces }
  const relay = () => ({ host: '127.0.0.1', port: receiver.port })
  const events = (messageId: string) =>
    DeliveryProviderWebhookEvent.query().where('message_id', messageId)

  group.setup(async () => {
    deliveries.bounces.domain = DOMAIN
    receiver = await startBounceReceiver({ host: '127.0.0.1', port: 0 })
    standIn = await startSmtpStandIn({ dsnRelay: { host: '127.0.0.1', port: receiver.port } })
    undoAllow = allowOutbound('127.0.0.1')
    return async () => {
      undoAllow()
      closeEmailTransports()
      await standIn.close()
      await receiver.close()
      Object.assign(deliveries.bounces, savedBounces)
    }
  })
  // Each test issues a job's certificates (rendered) before it sends them.
  group.each.timeout(60_000)
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => {
    standIn.reset()
    standIn.configure({ bounceRecipients: [], deferRecipients: [] })
    mailbox.clear()
    return () => closeEmailTransports()
  })

  test('an address the server accepted and then bounced: the message fails, the address is suppressed, the next delivery skips it', async ({
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'Acme Academy' })
    standIn.configure({ bounceRecipients: ['learner2@example.com'] })
    const { job, certificates, delivery } = await givenSentJob(org, standIn, 3)

    // Every mail was accepted (SMTP acceptance is `sent`), each with its own bounce address as envelope sender.
    const [report] = await standIn.waitForReports(1, 10_000)
    assert.deepEqual(report.result, { accepted: true })
    assert.match(report.raw, /Content-Type: multipart\/report; report-type=delivery-status/)
    for (const mail of standIn.messages()) {
      const message = await messageTo(delivery.id, mail.envelope.to[0])
      assert.equal(mail.envelope.from, bounceAddressOf(message.id))
      assert.match(mail.envelope.from, /^bounce\+[0-9a-f]{56}@bounces\.authentix\.test$/)
      assert.include(mail.headers.from, 'certificates@acme.example')
    }
    const bounced = await messageTo(delivery.id, 'learner2@example.com')
    assert.equal(report.to, bounceAddressOf(bounced.id))
    assert.equal(bounced.status, 'failed')
    assert.equal(bounced.errorCode, 'bounce_5.1.1')
    assert.match(
      bounced.errorMessage!,
      /learner2@example\.com bounced after it was accepted: the mailbox does not exist/
    )
    assert.match(bounced.errorMessage!, /User unknown/)
    for (const address of ['learner1@example.com', 'learner3@example.com']) {
      const accepted = await messageTo(delivery.id, address)
      assert.equal(accepted.status, 'sent')
    }
    const suppressions = await DeliverySuppression.query().where('organization_id', org.id)
    assert.deepEqual(
      suppressions.map((s) => [s.address, s.reason, s.messageId]),
      [['learner2@example.com', 'hard_bounce', bounced.id]]
    )
    const [stored] = await events(bounced.id)
    assert.equal(stored.provider, 'smtp')
    assert.equal(stored.eventType, 'bounced')
    assert.equal(stored.organizationId, org.id)
    assert.isNotNull(stored.appliedAt)
    const payload = stored.payload as Record<string, unknown>
    assert.equal(payload.status, '5.1.1')
    assert.include(payload.raw as string, 'Final-Recipient: rfc822; learner2@example.com')

    // The certificate's timeline shows the bounce in words.
    const certificate = certificates.find((c) => c.recipientEmail === 'learner2@example.com')!
    const timeline = await certificateTimeline(org, certificate.id)
    const words = timeline.entries.map((entry) => timelineWords(entry))
    assert.isTrue(
      words.some(
        (w) =>
          w.title === 'Email bounced: the recipient’s mail server gave up on it' &&
          w.detail?.startsWith('Status 5.1.1 — 550 5.1.1 <learner2@example.com>')
      ),
      JSON.stringify(words)
    )

    // Sending the job again: the bounced address is skipped as suppressed, the others are mailed.
    standIn.reset()
    const again = await startEmail(org, job.id)
    await sendUntilDone(again.id)
    const skipped = await messageTo(again.id, 'learner2@example.com')
    assert.equal(skipped.status, 'suppressed')
    assert.sameMembers(
      standIn.messages().map((mail) => mail.envelope.to[0]),
      ['learner1@example.com', 'learner3@example.com']
    )
  })

  test('the platform’s own sender also goes out with the message’s bounce address; a cleared setting keeps the From address as envelope sender', async ({
    assert,
  }) => {
    const { org: plain } = await givenOrg({ name: 'Plain School' })
    const { job } = await givenIssuedJob(plain, learners(1))
    const delivery = await startEmail(plain, job.id)
    await sendUntilDone(delivery.id)
    const message = await messageTo(delivery.id, 'learner1@example.com')
    assert.equal(message.provider, 'platform')
    const mail = await mailbox.waitFor('learner1@example.com')
    assert.equal(mail.from, bounceAddressOf(message.id))

    const { org } = await givenOrg({ name: 'Own Sender Academy' })
    const integration = await givenSmtpIntegration(org, { port: standIn.port })
    const updated = await UpdateDeliveryIntegration.handle({
      org,
      actorUserId: null,
      integrationId: integration.id,
      settings: { ...integration.settings, platform_bounces: false },
    })
    assert.equal(updated.kind, 'updated')
    const issued = await givenIssuedJob(org, learners(1))
    const second = await startEmail(org, issued.job.id)
    await sendUntilDone(second.id)
    assert.equal(
      standIn.messagesTo('learner1@example.com')[0].envelope.from,
      'certificates@acme.example'
    )
  })

  test('mail to a made-up or altered bounce address, another address or another domain is refused at RCPT TO with 550', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { delivery } = await givenSentJob(org, standIn, 1)
    const message = await messageTo(delivery.id, 'learner1@example.com')
    const genuine = bounceAddressOf(message.id)!
    const altered = genuine.replace(/[0-9a-f](?=@)/, (digit) => (digit === '0' ? '1' : '0'))
    const otherMessage = genuine.replace(/^bounce\+[0-9a-f]/, (start) =>
      start.endsWith('0') ? 'bounce+1' : 'bounce+0'
    )
    const refused = [
      altered,
      otherMessage,
      `bounce+${'0'.repeat(56)}@${DOMAIN}`,
      `postmaster@${DOMAIN}`,
      genuine.replace(DOMAIN, 'elsewhere.test'),
    ]
    for (const address of refused) {
      const error = await sendRaw(
        relay(),
        '',
        [address],
        reportFor('learner1@example.com', address)
      ).then(
        () => null,
        (e: Error & { responseCode?: number; response?: string }) => e
      )
      assert.equal(error?.responseCode, 550, `${address} should be refused`)
      assert.equal(
        error!.response,
        `550 5.1.1 <${address}>: Recipient address rejected: no such bounce address`
      )
    }
    assert.lengthOf(await events(message.id), 0)
    await message.refresh()
    assert.equal(message.status, 'sent')
    // The genuine address, upper-cased by some server on the way, is taken.
    await sendRaw(relay(), '', [genuine.toUpperCase()], reportFor('learner1@example.com', genuine))
    await message.refresh()
    assert.equal(message.status, 'failed')
  })

  test('an out-of-office reply to the bounce address is accepted and ignored: nothing stored, nothing suppressed', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { delivery } = await givenSentJob(org, standIn, 1)
    const message = await messageTo(delivery.id, 'learner1@example.com')
    const address = bounceAddressOf(message.id)!
    await sendRaw(relay(), '', [address], await fixture('out_of_office'))
    await sendRaw(relay(), '', [address], await fixture('vacation_null_sender'))
    await message.refresh()
    assert.equal(message.status, 'sent')
    assert.lengthOf(await events(message.id), 0)
    assert.lengthOf(await DeliverySuppression.query().where('organization_id', org.id), 0)
  })

  test('the same bounce received twice (and reworded by another report) is stored once', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { delivery } = await givenSentJob(org, standIn, 1)
    const message = await messageTo(delivery.id, 'learner1@example.com')
    const address = bounceAddressOf(message.id)!
    const report = reportFor('learner1@example.com', address)
    await sendRaw(relay(), '', [address], report)
    await sendRaw(relay(), '', [address], report)
    // Gmail's wording of the same failure (5.1.1) for this message.
    await sendRaw(relay(), '', [address], await fixture('gmail_no_such_user'))
    const stored = await events(message.id)
    assert.lengthOf(stored, 1)
    assert.equal(stored[0].eventType, 'bounced')
    assert.lengthOf(await DeliverySuppression.query().where('organization_id', org.id), 1)
  })

  test('a delay warning (4.x.x) is stored and shown, and changes nothing else; a bounce after it still fails the message', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    standIn.configure({ deferRecipients: ['learner1@example.com'] })
    const { delivery, certificates } = await givenSentJob(org, standIn, 1)
    const [report] = await standIn.waitForReports(1, 10_000)
    assert.equal(report.action, 'delayed')
    assert.deepEqual(report.result, { accepted: true })
    const message = await messageTo(delivery.id, 'learner1@example.com')
    assert.equal(message.status, 'sent')
    const stored = await events(message.id)
    assert.deepEqual(
      stored.map((e) => [e.eventType, (e.payload as any).status]),
      [['deferred', '4.2.2']]
    )
    assert.lengthOf(await DeliverySuppression.query().where('organization_id', org.id), 0)
    const timeline = await certificateTimeline(org, certificates[0].id)
    assert.deepInclude(
      timeline.entries.map((entry) => timelineWords(entry)),
      {
        title: 'Email delayed: the recipient’s mail server is still trying',
        detail: 'Status 4.2.2 — 452 4.2.2 <learner1@example.com>: Mailbox full',
      }
    )

    const address = bounceAddressOf(message.id)!
    await sendRaw(relay(), '', [address], reportFor('learner1@example.com', address))
    await message.refresh()
    assert.equal(message.status, 'failed')
    assert.lengthOf(await events(message.id), 2)
  })

  test('a bounce touches only the message its address names and that message’s org: the report’s own recipient is not believed', async ({
    assert,
  }) => {
    const { org: acme } = await givenOrg({ name: 'Acme' })
    const { org: other } = await givenOrg({ name: 'Other School' })
    const acmeSent = await givenSentJob(acme, standIn, 1)
    const otherSent = await givenSentJob(other, standIn, 2)
    const acmeMessage = await messageTo(acmeSent.delivery.id, 'learner1@example.com')
    const otherMessage = await messageTo(otherSent.delivery.id, 'learner2@example.com')
    // Acme's recipient answers their own bounce address with a report naming someone else.
    const address = bounceAddressOf(acmeMessage.id)!
    await sendRaw(relay(), '', [address], reportFor('learner2@example.com', address))

    await acmeMessage.refresh()
    assert.equal(acmeMessage.status, 'failed')
    const acmeList = await DeliverySuppression.query().where('organization_id', acme.id)
    assert.deepEqual(
      acmeList.map((s) => s.address),
      ['learner1@example.com']
    )
    assert.lengthOf(await DeliverySuppression.query().where('organization_id', other.id), 0)
    await otherMessage.refresh()
    assert.equal(otherMessage.status, 'sent')
    const stored = await DeliveryProviderWebhookEvent.query().where('organization_id', other.id)
    assert.lengthOf(stored, 0)
  })

  test('Settings → Delivery: the SMTP form offers “Bounces to Authentix’s bounce address”, ticked for a new integration; clearing it is kept', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const form = await actingAs(client.get('/settings/delivery/new?provider=smtp'), owner, org)
    form.assertStatus(200)
    assert.match(
      form.text(),
      /<input type="checkbox" id="platform_bounces" name="platform_bounces" checked>/
    )
    assert.include(form.text(), 'Bounces to Authentix’s bounce address')
    const fields = {
      provider: 'smtp',
      name: 'Campus mail',
      host: '127.0.0.1',
      port: String(standIn.port),
      security: 'none',
      from_email: 'certificates@acme.example',
    }
    await actingAs(
      client
        .post('/settings/delivery')
        .form({ ...fields, platform_bounces: 'on' })
        .withCsrfToken(),
      owner,
      org
    )
    const integration = await DeliveryIntegration.query()
      .where('organization_id', org.id)
      .firstOrFail()
    assert.isTrue(integration.config.platform_bounces)
    // A cleared checkbox sends nothing: the form stores the answer as false.
    await actingAs(
      client.put(`/settings/delivery/${integration.id}`).form(fields).withCsrfToken(),
      owner,
      org
    )
    await integration.refresh()
    assert.isFalse(integration.config.platform_bounces)
    const edit = await actingAs(client.get(`/settings/delivery/${integration.id}/edit`), owner, org)
    assert.match(
      edit.text(),
      /<input type="checkbox" id="platform_bounces" name="platform_bounces" >/
    )
  })
})
