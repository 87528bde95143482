import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import type Organization from '#orgs/models/organization'
import StartDelivery, { type StartDeliveryInput } from '#deliveries/actions/start_delivery'
import DeliveryIntegration from '#deliveries/models/delivery_integration'
import DeliveryMessage from '#deliveries/models/delivery_message'
import DeliverySuppression from '#deliveries/models/delivery_suppression'
import { estimateDelivery, sendingFinishesAt } from '#deliveries/queries/delivery_estimate'
import { givenOrg } from '#tests/helpers/given'
import { givenProbeIntegration } from '#tests/helpers/deliveries'
import { givenIssuedJob, learners } from '#tests/helpers/delivery_jobs'

/** A WhatsApp integration written straight to the table (nothing is sent in these tests). */
function givenWhatsappRecord(org: Organization, config: Record<string, unknown> = {}) {
  return DeliveryIntegration.create({
    organizationId: org.id,
    channel: 'whatsapp',
    provider: 'whatsapp_cloud',
    displayName: 'Our WhatsApp number',
    isActive: true,
    isDefault: true,
    whatsappPhoneNumber: '+91 98765 00000',
    whatsappPhoneNumberId: '1098765',
    whatsappWabaId: '2098765',
    config: {
      api_version: 'v21.0',
      template_name: 'certificate_ready',
      template_language: 'en',
      body_parameters: ['recipient_name'],
      ...config,
    },
  })
}

function start(org: Organization, jobId: string, input: Partial<StartDeliveryInput> = {}) {
  return StartDelivery.handle({
    org,
    job: jobId,
    channels: ['email'],
    audience: 'all',
    fallbackToEmail: false,
    actorUserId: null,
    ...input,
  })
}

async function created(result: Awaited<ReturnType<typeof start>>) {
  if (result.kind !== 'created') throw new Error(`not created: ${JSON.stringify(result)}`)
  return result
}

function sendJobs(deliveryId: string) {
  return db
    .from('queue_jobs')
    .where('kind', 'deliveries.send')
    .where('subject_id', deliveryId)
    .select('payload', 'state')
}

test.group('Deliveries: starting a delivery', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('one message per recipient per channel with all their certificates; missing addresses counted', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    await givenWhatsappRecord(org)
    const rows = learners(4)
    rows[1].email = undefined
    rows[2].phone = undefined
    const { job, recipients, certificates } = await givenIssuedJob(org, rows, { templates: 2 })
    assert.lengthOf(certificates, 8)

    const result = await created(await start(org, job.id, { channels: ['email', 'whatsapp'] }))
    assert.deepEqual(result.counts, {
      email: { queued: 3, suppressed: 0, missingAddress: 1 },
      whatsapp: { queued: 3, suppressed: 0, missingAddress: 1 },
    })
    assert.equal(result.delivery.status, 'queued')
    assert.equal(result.delivery.totalMessages, 6)
    assert.deepEqual(result.delivery.missingAddresses, { email: 1, whatsapp: 1 })

    const messages = await DeliveryMessage.query().where('delivery_id', result.delivery.id)
    assert.lengthOf(messages, 6)
    const email = messages.filter((m) => m.channel === 'email')
    assert.sameMembers(
      email.map((m) => m.recipientId),
      [recipients[0].id, recipients[2].id, recipients[3].id]
    )
    // No email integration: the platform's own sender.
    assert.isTrue(email.every((m) => m.provider === 'platform' && m.integrationId === null))
    const whatsapp = messages.filter((m) => m.channel === 'whatsapp')
    assert.isTrue(whatsapp.every((m) => m.provider === 'whatsapp_cloud' && m.toPhone !== null))
    assert.equal(new Set(messages.map((m) => m.idempotencyKey)).size, 6)

    const items = await db
      .from('delivery_message_items')
      .whereIn(
        'message_id',
        messages.map((m) => m.id)
      )
      .select('message_id', 'certificate_id', 'file_id')
    assert.lengthOf(items, 12)
    const first = email.find((m) => m.recipientId === recipients[0].id)!
    const ofFirst = certificates.filter((c) => c.generationJobRecipientId === recipients[0].id)
    assert.sameMembers(
      items
        .filter((i) => i.message_id === first.id)
        .map((i) => [i.certificate_id, i.file_id].join()),
      ofFirst.map((c) => [c.id, c.certificateFileId].join())
    )

    const jobs = await sendJobs(result.delivery.id)
    const queuedIds = jobs.flatMap(
      (j) => (typeof j.payload === 'string' ? JSON.parse(j.payload) : j.payload).messageIds
    )
    assert.sameMembers(
      queuedIds,
      messages.map((m) => m.id)
    )
  })

  test('suppressed addresses get a message that is suppressed at once', async ({ assert }) => {
    const { org } = await givenOrg()
    const { job } = await givenIssuedJob(org, learners(3))
    await DeliverySuppression.create({
      organizationId: org.id,
      channel: 'email',
      address: 'learner2@example.com',
      reason: 'unsubscribe',
    })
    const result = await created(await start(org, job.id))
    assert.deepEqual(result.counts.email, { queued: 2, suppressed: 1, missingAddress: 0 })
    const suppressed = await DeliveryMessage.query()
      .where('delivery_id', result.delivery.id)
      .where('status', 'suppressed')
    assert.lengthOf(suppressed, 1)
    assert.equal(suppressed[0].toEmail, 'learner2@example.com')
    assert.isNotNull(suppressed[0].suppressedAt)
    const jobs = await sendJobs(result.delivery.id)
    const queued = jobs.flatMap(
      (j) => (typeof j.payload === 'string' ? JSON.parse(j.payload) : j.payload).messageIds
    )
    assert.notInclude(queued, suppressed[0].id)
  })

  test('only undelivered and only failed look at the earlier messages of the job', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { job, recipients } = await givenIssuedJob(org, learners(4))
    const first = await created(await start(org, job.id))
    const messages = await DeliveryMessage.query().where('delivery_id', first.delivery.id)
    const of = (i: number) => messages.find((m) => m.recipientId === recipients[i].id)!
    await of(0).merge({ status: 'sent' }).save()
    await of(1).merge({ status: 'read' }).save()
    await of(2).merge({ status: 'failed', errorCode: 'smtp_550' }).save()
    // recipient 3's message is still queued: on its way, so not "undelivered" again.
    await db.from('deliveries').where('id', first.delivery.id).update({ status: 'completed' })

    const failed = await created(await start(org, job.id, { audience: 'failed' }))
    const failedTo = await DeliveryMessage.query().where('delivery_id', failed.delivery.id)
    assert.deepEqual(
      failedTo.map((m) => m.recipientId),
      [recipients[2].id]
    )

    await DeliveryMessage.query()
      .where('delivery_id', failed.delivery.id)
      .update({ status: 'sent' })
    await of(3).merge({ status: 'failed' }).save()
    await db.from('deliveries').where('id', failed.delivery.id).update({ status: 'completed' })
    const undelivered = await created(await start(org, job.id, { audience: 'undelivered' }))
    const undeliveredTo = await DeliveryMessage.query().where(
      'delivery_id',
      undelivered.delivery.id
    )
    assert.deepEqual(
      undeliveredTo.map((m) => m.recipientId),
      [recipients[3].id]
    )

    await db.from('deliveries').where('id', undelivered.delivery.id).update({ status: 'completed' })
    await DeliveryMessage.query()
      .where('delivery_id', undelivered.delivery.id)
      .update({ status: 'delivered' })
    const nothing = await start(org, job.id, { audience: 'failed' })
    assert.equal(nothing.kind, 'refused')
    if (nothing.kind === 'refused') assert.equal(nothing.code, 'E_NOTHING_TO_SEND')
  })

  test('only failed, on WhatsApp, leaves out those whose fallback email reached them', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    await givenWhatsappRecord(org)
    const { job, recipients } = await givenIssuedJob(org, learners(3))
    const first = await created(
      await start(org, job.id, { channels: ['whatsapp'], fallbackToEmail: true })
    )
    const messages = await DeliveryMessage.query().where('delivery_id', first.delivery.id)
    const of = (i: number) => messages.find((m) => m.recipientId === recipients[i].id)!
    for (const i of [0, 1, 2]) await of(i).merge({ status: 'failed', errorCode: '131026' }).save()
    // Recipient 0's fallback email went; recipient 1's failed too; recipient 2 had none.
    for (const [i, status] of [
      [0, 'sent'],
      [1, 'failed'],
    ] as const)
      await DeliveryMessage.create({
        organizationId: org.id,
        deliveryId: first.delivery.id,
        generationJobId: job.id,
        recipientId: recipients[i].id,
        channel: 'email',
        status,
        toEmail: `learner${i + 1}@example.com`,
        provider: 'platform',
        fallbackOfMessageId: of(i).id,
        idempotencyKey: `fallback-${i}`,
        queuedAt: DateTime.utc(),
      })
    await db.from('deliveries').where('id', first.delivery.id).update({ status: 'completed' })

    const again = await created(
      await start(org, job.id, { channels: ['whatsapp'], audience: 'failed' })
    )
    const to = await DeliveryMessage.query().where('delivery_id', again.delivery.id)
    assert.sameMembers(
      to.map((m) => m.recipientId),
      [recipients[1].id, recipients[2].id]
    )
  })

  test('picked certificates: only those; another org’s are named and refused; another org’s job is not found', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { org: other } = await givenOrg({ name: 'Other Org' })
    const { job, certificates } = await givenIssuedJob(org, learners(3), { templates: 2 })
    const { job: otherJob, certificates: otherCertificates } = await givenIssuedJob(
      other,
      learners(1)
    )

    const one = await created(
      await start(org, job.id, { audience: 'picked', certificateIds: [certificates[1].id] })
    )
    const messages = await DeliveryMessage.query().where('delivery_id', one.delivery.id)
    assert.lengthOf(messages, 1)
    const items = await db.from('delivery_message_items').where('message_id', messages[0].id)
    assert.deepEqual(
      items.map((i) => i.certificate_id),
      [certificates[1].id]
    )
    assert.deepEqual(one.delivery.certificateIds, [certificates[1].id])

    const stranger = await start(org, job.id, {
      audience: 'picked',
      certificateIds: [certificates[0].id, otherCertificates[0].id, 'not-a-uuid'],
    })
    assert.equal(stranger.kind, 'refused')
    if (stranger.kind === 'refused') {
      assert.equal(stranger.code, 'E_CERTIFICATES_NOT_IN_JOB')
      assert.deepEqual(stranger.certificateIds, [otherCertificates[0].id, 'not-a-uuid'])
      assert.include(stranger.message, otherCertificates[0].id)
    }

    const foreign = await start(org, otherJob.id)
    assert.equal(foreign.kind, 'refused')
    if (foreign.kind === 'refused') assert.equal(foreign.code, 'E_NOT_FOUND')
    assert.equal(
      await DeliveryMessage.query()
        .where('organization_id', org.id)
        .count('* as n')
        .then((r) => Number(r[0].$extras.n)),
      1
    )
  })

  test('refusals: no WhatsApp integration, a paused one, a job still running, a double submit returns the first', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { job } = await givenIssuedJob(org, learners(2))

    const none = await start(org, job.id, { channels: ['whatsapp'] })
    assert.equal(none.kind === 'refused' && none.code, 'E_NO_WHATSAPP_INTEGRATION')

    const whatsapp = await givenWhatsappRecord(org)
    whatsapp.merge({
      pausedAt: DateTime.utc(),
      pauseCode: '131031',
      pauseReason: 'WhatsApp has locked this business account',
    })
    await whatsapp.save()
    const paused = await start(org, job.id, { channels: ['whatsapp'] })
    assert.equal(paused.kind === 'refused' && paused.code, 'E_INTEGRATION_PAUSED')
    if (paused.kind === 'refused') assert.include(paused.message, 'locked this business account')

    await db
      .from('certificate_generation_jobs')
      .where('id', job.id)
      .update({ status: 'processing' })
    const running = await start(org, job.id)
    assert.equal(running.kind === 'refused' && running.code, 'E_JOB_NOT_FINISHED')
    await db.from('certificate_generation_jobs').where('id', job.id).update({ status: 'completed' })

    const integration = await givenProbeIntegration(org)
    integration.isDefault = true
    await integration.save()
    const first = await created(await start(org, job.id))
    const again = await created(await start(org, job.id))
    assert.isFalse(first.duplicate)
    assert.isTrue(again.duplicate)
    assert.equal(again.delivery.id, first.delivery.id)
    assert.deepEqual(again.counts, first.counts)
    const messages = await DeliveryMessage.query().where('delivery_id', first.delivery.id)
    assert.isTrue(
      messages.every((m) => m.provider === 'smtp' && m.integrationId === integration.id)
    )
  })

  test('the estimate counts messages, missing addresses and suppressed ones, and how long the throttles take', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    await givenWhatsappRecord(org, { messages_per_second: 1, daily_unique_recipients_tier: 2 })
    const rows = learners(5)
    rows[0].phone = undefined
    const { job } = await givenIssuedJob(org, rows)
    await DeliverySuppression.create({
      organizationId: org.id,
      channel: 'whatsapp',
      address: '919810000003',
      reason: 'manual',
    })
    const estimate = await estimateDelivery({
      org,
      job: job.id,
      channels: ['email', 'whatsapp'],
      audience: 'all',
    })
    assert.equal(estimate.kind, 'estimate')
    if (estimate.kind !== 'estimate') return
    const whatsapp = estimate.channels.find((c) => c.channel === 'whatsapp')!
    assert.equal(whatsapp.messages, 3)
    assert.equal(whatsapp.suppressed, 1)
    assert.equal(whatsapp.missingAddress, 1)
    // 3 new people, 2 a day: the third waits a day.
    assert.isAbove(whatsapp.seconds, 86_000)
    assert.match(whatsapp.summary, /may message 2 new people per 24 h/)
    const email = estimate.channels.find((c) => c.channel === 'email')!
    assert.equal(email.messages, 5)
    assert.isBelow(email.seconds, 5)

    // Once started, the panel asks when the waiting messages will all have gone.
    const started = await created(await start(org, job.id, { channels: ['email', 'whatsapp'] }))
    const finishes = await sendingFinishesAt(org.id, { deliveryId: started.delivery.id })
    assert.isAbove(finishes!.toMillis() - Date.now(), 86_000_000)
    const { org: other } = await givenOrg()
    assert.isNull(await sendingFinishesAt(other.id, { jobId: job.id }))
  })
})
