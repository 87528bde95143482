import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import testUtils from '@adonisjs/core/services/test_utils'
import { givenOrg } from '#tests/helpers/given'
import { givenJob, runJobs } from '#tests/helpers/certificates'
import {
  advance,
  givenAttempt,
  givenDelivery,
  givenMessage,
  givenWebhookEvent,
} from '#tests/helpers/delivery_records'
import { deliveryCounts, jobCounts } from '#deliveries/queries/delivery_counts'
import { messageDetails, messagesOfDelivery } from '#deliveries/queries/delivery_message_details'
import {
  jobFailureGroups,
  jobFailureRows,
  jobFailuresReachedByEmail,
} from '#deliveries/queries/delivery_failures'
import { certificateTimeline, recipientTimeline } from '#deliveries/queries/delivery_timeline'
import { monthFigures } from '#deliveries/queries/delivery_figures'
import OrgDeliveries from '#deliveries/queries/org_deliveries'

const NOT_ON_WHATSAPP = { code: '131026', message: 'This number is not on WhatsApp.' }
const BAD_MAILBOX = { code: 'smtp_550', message: 'The mailbox does not exist.' }

async function sentJob(count = 4) {
  const { org } = await givenOrg()
  const { job } = await givenJob(org, { count })
  await runJobs(job.id)
  return { org, job }
}

test.group('Delivery reports', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('counts a delivery per status overall and per channel in one grouped query', async ({
    assert,
  }) => {
    const { org, job } = await sentJob(4)
    const { delivery, messages } = await givenDelivery(org, job, {
      channels: ['email', 'whatsapp'],
    })
    const email = messages.filter((m) => m.channel === 'email')
    const whatsapp = messages.filter((m) => m.channel === 'whatsapp')
    await advance(email[0], 'sent')
    await advance(email[1], 'failed', { error: BAD_MAILBOX })
    await advance(email[2], 'suppressed')
    await advance(whatsapp[0], 'read')
    await advance(whatsapp[1], 'delivered')
    await advance(whatsapp[2], 'sending')
    const other = await givenDelivery(org, job, { channels: ['email'] })

    const counts = await deliveryCounts(org.id, [delivery.id, other.delivery.id])
    const mine = counts.get(delivery.id)!
    assert.deepEqual(mine.counts, {
      queued: 2,
      sending: 1,
      sent: 1,
      delivered: 1,
      read: 1,
      failed: 1,
      suppressed: 1,
      cancelled: 0,
    })
    assert.deepEqual(mine.byChannel.email, {
      queued: 1,
      sending: 0,
      sent: 1,
      delivered: 0,
      read: 0,
      failed: 1,
      suppressed: 1,
      cancelled: 0,
    })
    assert.equal(mine.byChannel.whatsapp.read, 1)
    assert.equal(mine.byChannel.whatsapp.queued, 1)
    assert.equal(counts.get(other.delivery.id)!.counts.queued, 4)

    // Another org's id counts nothing.
    const { org: stranger } = await givenOrg()
    const strangers = await deliveryCounts(stranger.id, [delivery.id])
    assert.equal(strangers.get(delivery.id)!.counts.queued, 0)
    assert.isNull(await OrgDeliveries.find(stranger, delivery.id))
    assert.equal((await OrgDeliveries.find(org, delivery.id))!.id, delivery.id)
  })

  test('a job funnel counts each recipient and channel once, at its newest message', async ({
    assert,
  }) => {
    const { org, job } = await sentJob(3)
    const first = await givenDelivery(org, job, {
      channels: ['whatsapp'],
      at: DateTime.utc().minus({ hours: 1 }),
    })
    await advance(first.messages[0], 'failed', { error: NOT_ON_WHATSAPP })
    await advance(first.messages[1], 'failed', { error: NOT_ON_WHATSAPP })
    await advance(first.messages[2], 'read')
    // A resend of the first recipient's certificate, which is delivered this time.
    const resend = await givenDelivery(org, job, {
      channels: ['whatsapp'],
      audience: 'picked',
      certificateIds: [first.certificates[0].id],
    })
    assert.lengthOf(resend.messages, 1)
    await advance(resend.messages[0], 'delivered')

    const counts = await jobCounts(org.id, job.id)
    assert.deepInclude(counts.byChannel.whatsapp, { failed: 1, delivered: 1, read: 1, queued: 0 })
    assert.equal(counts.byChannel.email.queued, 0)

    const groups = await jobFailureGroups(org.id, job.id)
    assert.deepEqual(groups, [
      { channel: 'whatsapp', code: '131026', reason: NOT_ON_WHATSAPP.message, count: 1 },
    ])
    const rows = await jobFailureRows(org.id, job.id)
    assert.lengthOf(rows, 1)
    assert.equal(rows[0].recipientId, first.messages[1].recipientId)
    assert.equal(rows[0].reason, NOT_ON_WHATSAPP.message)
    assert.match(rows[0].certificateNumbers, /\S/)
    assert.isTrue(await OrgDeliveries.jobIsSending(org, job.id))
  })

  test('failures are grouped by channel and code, biggest first', async ({ assert }) => {
    const { org, job } = await sentJob(4)
    const { messages } = await givenDelivery(org, job, { channels: ['email', 'whatsapp'] })
    const email = messages.filter((m) => m.channel === 'email')
    const whatsapp = messages.filter((m) => m.channel === 'whatsapp')
    await advance(whatsapp[0], 'failed', { error: NOT_ON_WHATSAPP })
    await advance(whatsapp[1], 'failed', { error: NOT_ON_WHATSAPP })
    await advance(whatsapp[2], 'failed', { error: NOT_ON_WHATSAPP })
    await advance(email[0], 'failed', { error: BAD_MAILBOX })
    const groups = await jobFailureGroups(org.id, job.id)
    assert.deepEqual(
      groups.map((g) => [g.channel, g.code, g.count]),
      [
        ['whatsapp', '131026', 3],
        ['email', 'smtp_550', 1],
      ]
    )
    const page1 = await jobFailureRows(org.id, job.id, { limit: 2 })
    const page2 = await jobFailureRows(org.id, job.id, { limit: 2, after: page1.at(-1)!.messageId })
    assert.lengthOf(page1, 2)
    assert.lengthOf(page2, 2)
    assert.notInclude(
      page2.map((r) => r.messageId),
      page1[0].messageId
    )
    assert.lengthOf(await jobFailureRows(org.id, job.id, { channel: 'email' }), 1)
  })

  test('a WhatsApp failure whose fallback email went says the recipient was reached by email', async ({
    assert,
  }) => {
    const { org, job } = await sentJob(3)
    const { delivery, messages, recipients, certificates } = await givenDelivery(org, job, {
      channels: ['whatsapp'],
    })
    for (const message of messages) await advance(message, 'failed', { error: NOT_ON_WHATSAPP })
    const theirs = (index: number) =>
      certificates.filter((c) => c.generationJobRecipientId === recipients[index].id)
    // The first recipient's fallback email was sent; the second's is still queued; the third has none.
    const sent = await givenMessage(delivery, recipients[0], 'email', theirs(0), {
      fallbackOf: messages[0],
    })
    await advance(sent, 'sent')
    await givenMessage(delivery, recipients[1], 'email', theirs(1), { fallbackOf: messages[1] })

    const rows = await jobFailureRows(org.id, job.id, { channel: 'whatsapp' })
    assert.deepEqual(
      rows.map((row) => [row.messageId, row.reachedByEmail]).sort(),
      [
        [messages[0].id, true],
        [messages[1].id, false],
        [messages[2].id, false],
      ].sort()
    )
    assert.equal(await jobFailuresReachedByEmail(org.id, job.id), 1)
  })

  test('a message lists its certificates, last error and events from timestamps and webhooks', async ({
    assert,
  }) => {
    const { org, job } = await sentJob(2)
    const { delivery, messages, certificates } = await givenDelivery(org, job, {
      channels: ['whatsapp'],
    })
    const message = messages[0]
    await advance(message, 'read')
    // A "delivered" notification arriving after "read": the row skipped it, the events do not.
    await givenWebhookEvent(message, 'delivered', {
      at: message.sentAt!.plus({ milliseconds: 500 }),
    })
    await givenAttempt(messages[1], 1, 'transient', {
      error: { code: '130429', message: 'WhatsApp asked us to slow down.' },
    })

    const page = await messagesOfDelivery(delivery, { channel: 'whatsapp' }).paginate(1, 10)
    const details = await messageDetails(page.all())
    const read = details.find((d) => d.message.id === message.id)!
    assert.deepEqual(
      read.events.map((e) => e.status),
      ['queued', 'sending', 'sent', 'delivered', 'read']
    )
    assert.deepEqual(
      read.certificateIds,
      certificates
        .filter((c) => c.generationJobRecipientId === message.recipientId)
        .map((c) => c.id)
    )
    assert.isNull(read.lastError)
    const retrying = details.find((d) => d.message.id === messages[1].id)!
    assert.deepEqual(retrying.lastError, {
      code: '130429',
      message: 'WhatsApp asked us to slow down.',
    })

    const onlyRead = await messagesOfDelivery(delivery, { status: 'read' })
    assert.deepEqual(
      onlyRead.map((m) => m.id),
      [message.id]
    )
    assert.lengthOf(await messagesOfDelivery(delivery, { channel: 'email' }), 0)
  })

  test('a certificate and its recipient have one timeline across channels with attempts, webhooks and the fallback', async ({
    assert,
  }) => {
    const { org, job } = await sentJob(2)
    const start = DateTime.utc().minus({ minutes: 10 })
    const { delivery, messages, certificates, recipients } = await givenDelivery(org, job, {
      channels: ['whatsapp'],
      at: start,
    })
    const whatsapp = messages[0]
    await givenAttempt(whatsapp, 1, 'accepted', { at: start.plus({ seconds: 1 }) })
    await advance(whatsapp, 'sent', { at: start })
    await givenWebhookEvent(whatsapp, 'failed', { at: start.plus({ seconds: 30 }) })
    await advance(whatsapp, 'failed', { at: start.plus({ seconds: 29 }), error: NOT_ON_WHATSAPP })
    const theirs = certificates.filter((c) => c.generationJobRecipientId === recipients[0].id)
    const email = await givenMessage(delivery, recipients[0], 'email', theirs, {
      at: start.plus({ seconds: 40 }),
      fallbackOf: whatsapp,
    })
    await givenAttempt(email, 1, 'accepted', { at: start.plus({ seconds: 41 }) })
    await advance(email, 'sent', { at: start.plus({ seconds: 40 }) })

    const timeline = await certificateTimeline(org, theirs[0].id)
    assert.sameMembers(
      timeline.messages.map((m) => m.id),
      [whatsapp.id, email.id]
    )
    const kinds = timeline.entries.map((e) => `${e.message.channel}:${e.kind}`)
    assert.includeMembers(kinds, [
      'whatsapp:queued',
      'whatsapp:attempt',
      'whatsapp:webhook',
      'whatsapp:fallback',
      'email:queued',
      'email:attempt',
    ])
    const times = timeline.entries.map((e) => e.at.toMillis())
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b)
    )
    const fallback = timeline.entries.find((e) => e.kind === 'fallback')!
    assert.equal(fallback.kind === 'fallback' && fallback.fallback.id, email.id)

    const byRecipient = await recipientTimeline(org, recipients[0].id)
    assert.equal(byRecipient.entries.length, timeline.entries.length)
    // The other recipient's timeline holds only their own message.
    const other = await recipientTimeline(org, recipients[1].id)
    assert.deepEqual([...new Set(other.entries.map((e) => e.message.id))], [messages[1].id])
    // Another org sees nothing of them.
    const { org: stranger } = await givenOrg()
    const hidden = [
      await certificateTimeline(stranger, theirs[0].id),
      await recipientTimeline(stranger, recipients[0].id),
      await certificateTimeline(org, 'not-a-uuid'),
    ]
    assert.deepEqual(
      hidden.map((t) => t.entries.length),
      [0, 0, 0]
    )
  })

  test('within one second, causes come first, and a status a notification reported is shown once', async ({
    assert,
  }) => {
    const { org, job } = await sentJob(1)
    // Whole seconds, as SQLite stores them: everything below happens in the same one.
    const at = DateTime.utc().minus({ minutes: 3 }).startOf('second')
    const { delivery, messages, certificates, recipients } = await givenDelivery(org, job, {
      channels: ['whatsapp'],
      at,
    })
    const whatsapp = messages[0]
    await givenAttempt(whatsapp, 1, 'accepted', { at })
    await advance(whatsapp, 'failed', { at, error: NOT_ON_WHATSAPP })
    await givenWebhookEvent(whatsapp, 'failed', { at })
    const email = await givenMessage(delivery, recipients[0], 'email', certificates, {
      at,
      fallbackOf: whatsapp,
    })
    await givenAttempt(email, 1, 'accepted', { at })

    const timeline = await certificateTimeline(org, certificates[0].id)
    assert.deepEqual(
      timeline.entries.map((e) => `${e.message.channel}:${e.kind}`),
      [
        'whatsapp:queued',
        'whatsapp:attempt',
        // "failed" once: the notification that reported it.
        'whatsapp:webhook',
        'whatsapp:fallback',
        'email:queued',
        'email:attempt',
      ]
    )
  })

  test('dashboard figures count this month per channel, when each step happened', async ({
    assert,
  }) => {
    const { org, job } = await sentJob(3)
    const now = DateTime.utc()
    const { messages } = await givenDelivery(org, job, { channels: ['email', 'whatsapp'] })
    const email = messages.filter((m) => m.channel === 'email')
    const whatsapp = messages.filter((m) => m.channel === 'whatsapp')
    await advance(email[0], 'sent')
    await advance(email[1], 'delivered')
    await advance(whatsapp[0], 'read')
    await advance(whatsapp[1], 'failed', { error: NOT_ON_WHATSAPP })
    // Sent last month: not counted.
    await advance(email[2], 'sent', { at: now.startOf('month').minus({ days: 3 }) })
    const figures = await monthFigures(org, now)
    assert.deepEqual(figures.byChannel.email, { sent: 2, delivered: 1, read: 0, failed: 0 })
    assert.deepEqual(figures.byChannel.whatsapp, { sent: 1, delivered: 1, read: 1, failed: 1 })
    const { org: stranger } = await givenOrg()
    const nothing = await monthFigures(stranger, now)
    assert.deepEqual(nothing.byChannel.email, {
      sent: 0,
      delivered: 0,
      read: 0,
      failed: 0,
    })
  })
})
