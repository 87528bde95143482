import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { QueueWorker } from '#core/queue/worker'
import type Organization from '#orgs/models/organization'
import StartDelivery from '#deliveries/actions/start_delivery'
import SetEmailOpenTracking from '#deliveries/actions/set_email_open_tracking'
import RecordEmailOpen from '#deliveries/actions/record_email_opens'
import RecordEmailProviderEvents from '#deliveries/actions/record_email_provider_events'
import CreateDeliveryIntegration from '#deliveries/actions/create_delivery_integration'
import Delivery from '#deliveries/models/delivery'
import DeliveryMessage from '#deliveries/models/delivery_message'
import DeliveryProviderWebhookEvent from '#deliveries/models/delivery_provider_webhook_event'
import { closeEmailTransports } from '#deliveries/services/email_sender'
import { openPixelUrl, TRANSPARENT_GIF } from '#deliveries/services/open_tracking'
import { actingAs, givenMember, givenOrg } from '#tests/helpers/given'
import { bytesOf } from '#tests/helpers/binary'
import { allowOutbound, givenSmtpIntegration } from '#tests/helpers/deliveries'
import { givenIssuedJob, learners } from '#tests/helpers/delivery_jobs'
import { givenDeliveryMessages } from '#tests/helpers/whatsapp_webhooks'
import { startSmtpStandIn, type SmtpStandIn } from '../../../stand_ins/smtp.js'

async function sendEmails(org: Organization, count: number, from = 1) {
  const { job, certificates } = await givenIssuedJob(org, learners(count, from))
  const result = await StartDelivery.handle({
    org,
    job: job.id,
    channels: ['email'],
    audience: 'all',
    fallbackToEmail: false,
    actorUserId: null,
  })
  if (result.kind !== 'created') throw new Error(`not created: ${JSON.stringify(result)}`)
  const deadline = Date.now() + 20_000
  while (true) {
    await QueueWorker.drain({ lanes: 1 })
    const delivery = await Delivery.findOrFail(result.delivery.id)
    if (delivery.status === 'completed') break
    if (Date.now() > deadline) throw new Error(`delivery still ${delivery.status}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const messages = await DeliveryMessage.query()
    .where('delivery_id', result.delivery.id)
    .orderBy('to_email', 'asc')
  return { job, certificates, messages }
}

function turnOpenTracking(org: Organization, on: boolean) {
  return SetEmailOpenTracking.handle({ org, actorUserId: null, on })
}

/** The tracking image's address in a received mail's HTML (`src` of the 1×1 image), or null. */
function pixelIn(html: string) {
  const match = /<img[^>]*src="([^"]*\/deliveries\/o\/[^"]+)"[^>]*>/.exec(html)
  return match ? new URL(match[1]) : null
}

function opensOf(messageId: string) {
  return DeliveryProviderWebhookEvent.query()
    .where('message_id', messageId)
    .where('event_type', 'opened')
}

test.group('Email open tracking', (group) => {
  let standIn: SmtpStandIn
  let undoAllow: () => void

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
    RecordEmailOpen.forgetSeen()
    return () => closeEmailTransports()
  })

  test('off by default: Settings → Delivery says so with its note; the mail carries no image and its open is never recorded, even once turned on', async ({
    assert,
    client,
  }) => {
    const { org, owner } = await givenOrg()
    const page = await actingAs(client.get('/settings/delivery'), owner, org)
    page.assertStatus(200)
    assert.match(page.text(), /id="open-tracking-state">\s*<span class="badge">Off<\/span>/)
    assert.include(page.text(), '“opened” is a hint, not proof')
    assert.include(page.text(), 'Turn open tracking on')

    await givenSmtpIntegration(org, { port: standIn.port })
    const { messages } = await sendEmails(org, 2)
    const mails = standIn.messages()
    assert.lengthOf(mails, 2)
    for (const mail of mails) {
      assert.isNotEmpty(mail.html)
      assert.notInclude(mail.html, '/deliveries/o/')
      assert.isNull(pixelIn(mail.html))
    }
    assert.isTrue(messages.every((m) => m.status === 'sent' && m.tracksOpens === false))

    // The org turns it on later: a message sent while it was off stays untracked, even with its
    // (valid) image URL, which its mail never carried.
    await turnOpenTracking(org, true)
    const url = new URL(openPixelUrl(messages[0].id))
    const hit = await client.get(url.pathname)
    hit.assertStatus(200)
    assert.equal(hit.header('content-type'), 'image/gif')
    assert.deepEqual(Buffer.from(bytesOf(hit)), TRANSPARENT_GIF)
    assert.equal(TRANSPARENT_GIF.subarray(0, 6).toString(), 'GIF89a')
    assert.lengthOf(await opensOf(messages[0].id), 0)
    await messages[0].refresh()
    assert.equal(messages[0].status, 'sent')
  })

  test('on: the HTML part carries the image, the plain part none; 20 hits at once record one open and move the email to read', async ({
    assert,
    client,
  }) => {
    const { org } = await givenOrg()
    await givenSmtpIntegration(org, { port: standIn.port })
    await turnOpenTracking(org, true)
    const { messages } = await sendEmails(org, 2)
    const mails = standIn.messages()
    assert.lengthOf(mails, 2)
    const first = messages[0]
    assert.isTrue(messages.every((m) => m.tracksOpens === true))
    const mail = standIn.messagesTo(first.toEmail!)[0]
    const pixel = pixelIn(mail.html)
    assert.exists(pixel, 'the HTML part carries the tracking image')
    assert.equal(pixel!.href, openPixelUrl(first.id))
    assert.match(mail.html, /width="1" height="1" alt=""/)
    assert.notInclude(mail.text ?? '', '/deliveries/o/')
    assert.notInclude(mail.text ?? '', pixel!.pathname)

    const hits = await Promise.all(Array.from({ length: 20 }, () => client.get(pixel!.pathname)))
    for (const hit of hits) {
      hit.assertStatus(200)
      assert.equal(hit.header('content-type'), 'image/gif')
      assert.match(hit.header('cache-control') ?? '', /no-store/)
      assert.isUndefined(hit.header('set-cookie'))
    }
    const events = await opensOf(first.id)
    assert.lengthOf(events, 1)
    assert.equal(events[0].source, 'ours')
    assert.equal(events[0].organizationId, org.id)
    assert.equal(events[0].channel, 'email')
    assert.equal(events[0].provider, 'smtp')
    assert.isNotNull(events[0].appliedAt)
    await first.refresh()
    assert.equal(first.status, 'read')
    assert.isNotNull(first.readAt)

    // Another process (nothing remembered here): the database still keeps one per message.
    RecordEmailOpen.forgetSeen()
    await Promise.all(Array.from({ length: 5 }, () => client.get(pixel!.pathname)))
    assert.lengthOf(await opensOf(first.id), 1)
    // The other message was not opened.
    await messages[1].refresh()
    assert.equal(messages[1].status, 'sent')
    assert.lengthOf(await opensOf(messages[1].id), 0)
  })

  test('a forged, cut or malformed token records nothing and answers the same GIF', async ({
    assert,
    client,
  }) => {
    const { org } = await givenOrg()
    await givenSmtpIntegration(org, { port: standIn.port })
    await turnOpenTracking(org, true)
    const { messages } = await sendEmails(org, 1)
    const real = new URL(openPixelUrl(messages[0].id)).pathname
    const token = real.split('/').pop()!
    const [id, mac] = token.split('.')
    const forged = [
      `${id}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}.gif`,
      `${id}.${mac}`,
      `${id}.${'A'.repeat(32)}.gif`,
      `00000000-0000-4000-8000-000000000000.${mac}.gif`,
      'not-a-token',
      `${id}.${mac}.gif`.toUpperCase(),
    ]
    for (const bad of forged) {
      const answer = await client.get(`/deliveries/o/${encodeURIComponent(bad)}`)
      answer.assertStatus(200)
      assert.equal(answer.header('content-type'), 'image/gif')
      assert.match(answer.header('cache-control') ?? '', /no-store/)
      assert.equal(Number(answer.header('content-length')), TRANSPARENT_GIF.length)
    }
    assert.lengthOf(await opensOf(messages[0].id), 0)
    assert.lengthOf(await DeliveryProviderWebhookEvent.query().where('source', 'ours'), 0)
    await messages[0].refresh()
    assert.equal(messages[0].status, 'sent')
  })

  test('an open never moves a message backwards: failed stays failed, read stays read', async ({
    assert,
    client,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenSmtpIntegration(org, { port: standIn.port })
    const {
      messages: [failed, delivered],
    } = await givenDeliveryMessages(org, integration.id, {
      count: 2,
      channel: 'email',
      provider: 'smtp',
      status: 'sent',
    })
    await db
      .from('delivery_messages')
      .whereIn('id', [failed.id, delivered.id])
      .update({ tracks_opens: true })
    await db
      .from('delivery_messages')
      .where('id', failed.id)
      .update({ status: 'failed', error_code: 'smtp_550' })
    await db.from('delivery_messages').where('id', delivered.id).update({ status: 'delivered' })

    for (const message of [failed, delivered]) {
      const hit = await client.get(new URL(openPixelUrl(message.id)).pathname)
      hit.assertStatus(200)
    }
    await failed.refresh()
    assert.equal(failed.status, 'failed')
    assert.isNull(failed.readAt)
    await delivered.refresh()
    assert.equal(delivered.status, 'read')
    assert.isNotNull(delivered.readAt)
  })

  test('per org: one org’s setting puts no image in another’s mail; an open lands on its own org’s message and shows only there', async ({
    assert,
    client,
  }) => {
    const { org: tracking, owner } = await givenOrg({ name: 'Tracking Academy' })
    const { org: quiet, owner: quietOwner } = await givenOrg({ name: 'Quiet Academy' })
    await givenSmtpIntegration(tracking, { port: standIn.port })
    await givenSmtpIntegration(quiet, { port: standIn.port })
    await turnOpenTracking(tracking, true)
    const sent = await sendEmails(tracking, 1, 1)
    const other = await sendEmails(quiet, 1, 5)
    assert.exists(pixelIn(standIn.messagesTo(sent.messages[0].toEmail!)[0].html))
    assert.isNull(pixelIn(standIn.messagesTo(other.messages[0].toEmail!)[0].html))
    assert.isFalse(other.messages[0].tracksOpens)

    await client.get(new URL(openPixelUrl(sent.messages[0].id)).pathname)
    const [event] = await opensOf(sent.messages[0].id)
    assert.equal(event.organizationId, tracking.id)

    // Its certificate's timeline says "opened" to its org; the other org gets a 404 for it.
    const certificate = sent.certificates[0]
    const timeline = await actingAs(
      client.get(`/certificates/${certificate.id}/deliveries`),
      owner,
      tracking
    )
    timeline.assertStatus(200)
    assert.include(timeline.text(), 'Email opened')
    assert.include(timeline.text(), 'a hint, not proof')
    assert.notInclude(timeline.text(), 'Email read')
    const foreign = await actingAs(
      client.get(`/certificates/${certificate.id}/deliveries`),
      quietOwner,
      quiet
    )
    foreign.assertStatus(404)

    // The panel's email bar says "Opened" where the org tracks, "Read" where it does not.
    const panel = await actingAs(
      client.get(`/generation-jobs/${sent.job.id}/deliveries/panel`),
      owner,
      tracking
    )
    assert.match(panel.text(), /data-bar="read">[\s\S]*?Opened/)
    assert.match(panel.text(), /data-count="email.read">1</)
    const quietPanel = await actingAs(
      client.get(`/generation-jobs/${other.job.id}/deliveries/panel`),
      quietOwner,
      quiet
    )
    assert.notInclude(quietPanel.text(), 'Opened')
    assert.match(quietPanel.text(), /data-count="email.read">0</)

    // This month's figures: the tracking org's one open, as "opened"; the other's none.
    const figures = await actingAs(
      client.get('/deliveries/this-month').header('HX-Request', 'true'),
      owner,
      tracking
    )
    assert.match(
      figures.text(),
      /data-channel="email">[\s\S]*?data-figure="read">1<\/span> <span[^>]*>opened/
    )
    assert.include(figures.text(), 'tracking image loaded')
    const quietFigures = await actingAs(
      client.get('/deliveries/this-month').header('HX-Request', 'true'),
      quietOwner,
      quiet
    )
    assert.match(quietFigures.text(), /data-channel="email">[\s\S]*?data-figure="read">0</)
    assert.include(quietFigures.text(), 'Email opens are not tracked')
  })

  test('Settings → Delivery: an admin turns it on and off (audited like other settings); a member may not', async ({
    assert,
    client,
  }) => {
    const { org, owner } = await givenOrg()
    const { user: admin } = await givenMember(org, 'admin')
    const { user: member } = await givenMember(org, 'member')

    const refused = await actingAs(
      client.post('/settings/delivery/open-tracking').withCsrfToken(),
      member,
      org
    )
    refused.assertStatus(403)

    const on = await actingAs(
      client.post('/settings/delivery/open-tracking').withCsrfToken().redirects(0),
      admin,
      org
    )
    on.assertStatus(302)
    assert.equal(on.header('location'), '/settings/delivery')
    const page = await actingAs(client.get('/settings/delivery'), owner, org)
    assert.match(
      page.text(),
      /id="open-tracking-state">\s*<span class="badge badge-brand">On<\/span>/
    )
    assert.include(page.text(), 'Turn open tracking off')
    // The same again changes nothing and writes no second entry.
    await actingAs(client.post('/settings/delivery/open-tracking').withCsrfToken(), admin, org)
    await actingAs(client.delete('/settings/delivery/open-tracking').withCsrfToken(), owner, org)

    const entries = await db
      .from('app_audit_logs')
      .where('organization_id', org.id)
      .where('action', 'delivery.settings_changed')
      .orderBy('created_at', 'asc')
      .select('actor_user_id', 'entity_type', 'entity_id', 'metadata')
    assert.lengthOf(entries, 2)
    const metadata = entries.map((entry) =>
      typeof entry.metadata === 'string' ? JSON.parse(entry.metadata) : entry.metadata
    )
    assert.deepEqual(metadata, [
      { fields: ['track_email_opens'], track_email_opens: true },
      { fields: ['track_email_opens'], track_email_opens: false },
    ])
    assert.deepEqual(
      entries.map((entry) => entry.actor_user_id),
      [admin.id, owner.id]
    )
    assert.equal(entries[0].entity_type, 'organization')
    const row = await db.from('delivery_settings').where('organization_id', org.id).first()
    assert.isFalse(Boolean(row.track_email_opens))
  })

  test('Resend’s own email.opened counts only for a message sent while the org tracked opens', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const created = await CreateDeliveryIntegration.handle({
      org,
      actorUserId: null,
      channel: 'email',
      provider: 'resend',
      name: 'Acme Resend',
      settings: { from_email: 'certificates@acme.example' },
      secrets: { api_key: 'provider-api-key' },
    })
    if (created.kind !== 'created') throw new Error(JSON.stringify(created))
    const integration = created.integration
    const {
      messages: [tracked, untracked],
    } = await givenDeliveryMessages(org, integration.id, {
      count: 2,
      channel: 'email',
      provider: 'resend',
      status: 'sent',
    })
    await db.from('delivery_messages').where('id', tracked.id).update({ tracks_opens: true })
    await db.from('delivery_messages').where('id', untracked.id).update({ tracks_opens: false })
    for (const message of [tracked, untracked]) {
      await RecordEmailProviderEvents.handle({
        integration,
        provider: 'resend',
        payload: {
          type: 'email.opened',
          created_at: '2026-03-15T10:05:00.000Z',
          data: {
            created_at: '2026-03-15T10:00:00.000Z',
            email_id: message.providerMessageId,
            from: 'Acme Academy <certificates@acme.example>',
            to: [message.toEmail],
            subject: 'Your certificate',
          },
        },
      })
    }
    await tracked.refresh()
    assert.equal(tracked.status, 'read')
    assert.equal(tracked.readAt!.toUTC().toISO(), '2026-03-15T10:05:00.000Z')
    await untracked.refresh()
    assert.equal(untracked.status, 'sent')
    const stored = await DeliveryProviderWebhookEvent.query()
      .where('integration_id', integration.id)
      .where('event_type', 'opened')
    assert.lengthOf(stored, 2)
    assert.isTrue(stored.every((event) => event.source === 'provider'))
  })
})
