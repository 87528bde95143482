import { test } from '@japa/runner'
import { randomUUID } from 'node:crypto'
import testUtils from '@adonisjs/core/services/test_utils'
import { givenOrg } from '#tests/helpers/given'
import { givenApiKey } from '#tests/helpers/api_keys'
import { givenJob, runJobs } from '#tests/helpers/certificates'
import { advance, givenAttempt, givenDelivery } from '#tests/helpers/delivery_records'

const NOT_ON_WHATSAPP = { code: '131026', message: 'This number is not on WhatsApp.' }

async function orgWithDelivery() {
  const { org } = await givenOrg()
  const { secret } = await givenApiKey(org)
  const { job } = await givenJob(org, { count: 3 })
  await runJobs(job.id)
  const given = await givenDelivery(org, job, { channels: ['email', 'whatsapp'] })
  return { org, secret, job, ...given }
}

test.group('API: reading deliveries', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('GET /deliveries/:id answers the contract with counts overall and per channel', async ({
    client,
    assert,
  }) => {
    const { secret, job, delivery, messages } = await orgWithDelivery()
    const email = messages.filter((m) => m.channel === 'email')
    const whatsapp = messages.filter((m) => m.channel === 'whatsapp')
    await advance(email[0], 'delivered')
    await advance(whatsapp[0], 'read')
    await advance(whatsapp[1], 'failed', { error: NOT_ON_WHATSAPP })

    const response = await client.get(`/api/v1/deliveries/${delivery.id}`).bearerToken(secret)
    response.assertStatus(200)
    const body = response.body()
    assert.containSubset(body, {
      id: delivery.id,
      generation_job_id: job.id,
      status: 'sending',
      total_messages: 6,
      counts: { queued: 3, sending: 0, sent: 0, delivered: 1, read: 1, failed: 1, suppressed: 0 },
      by_channel: {
        email: { queued: 2, delivered: 1, read: 0, failed: 0 },
        whatsapp: { queued: 1, read: 1, failed: 1 },
      },
      finished_at: null,
    })
    assert.match(body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)

    const list = await client
      .get(`/api/v1/generation-jobs/${job.id}/deliveries`)
      .bearerToken(secret)
    list.assertStatus(200)
    assert.deepEqual(list.body().meta, { total: 1, page: 1, per_page: 25 })
    assert.equal(list.body().data[0].id, delivery.id)
    assert.equal(list.body().data[0].counts.read, 1)
  })

  test('GET /deliveries/:id/messages lists messages with certificates, errors and events, filtered and paginated', async ({
    client,
    assert,
  }) => {
    const { secret, delivery, messages, certificates } = await orgWithDelivery()
    const whatsapp = messages.filter((m) => m.channel === 'whatsapp')
    await advance(whatsapp[0], 'read')
    await givenAttempt(whatsapp[1], 1, 'permanent', { error: NOT_ON_WHATSAPP })
    await advance(whatsapp[1], 'failed', { error: NOT_ON_WHATSAPP })

    const all = await client
      .get(`/api/v1/deliveries/${delivery.id}/messages`)
      .qs({ per_page: 4 })
      .bearerToken(secret)
    all.assertStatus(200)
    assert.deepEqual(all.body().meta, { total: 6, page: 1, per_page: 4 })
    assert.lengthOf(all.body().data, 4)
    const second = await client
      .get(`/api/v1/deliveries/${delivery.id}/messages`)
      .qs({ per_page: 4, page: 2 })
      .bearerToken(secret)
    const ids = [...all.body().data, ...second.body().data].map((m: { id: string }) => m.id)
    assert.sameMembers(
      ids,
      messages.map((m) => m.id)
    )

    const failed = await client
      .get(`/api/v1/deliveries/${delivery.id}/messages`)
      .qs({ status: 'failed', channel: 'whatsapp' })
      .bearerToken(secret)
    failed.assertStatus(200)
    assert.lengthOf(failed.body().data, 1)
    const message = failed.body().data[0]
    assert.containSubset(message, {
      id: whatsapp[1].id,
      channel: 'whatsapp',
      to: whatsapp[1].toPhone,
      status: 'failed',
      provider_message_id: null,
      attempts: 1,
      last_error: NOT_ON_WHATSAPP,
    })
    assert.deepEqual(
      message.certificate_ids,
      certificates
        .filter((c) => c.generationJobRecipientId === whatsapp[1].recipientId)
        .map((c) => c.id)
    )
    assert.deepEqual(
      message.events.map((e: { status: string }) => e.status),
      ['queued', 'sending', 'failed']
    )

    const read = await client
      .get(`/api/v1/deliveries/${delivery.id}/messages`)
      .qs({ status: 'read' })
      .bearerToken(secret)
    const readMessage = read.body().data[0]
    assert.notProperty(readMessage, 'last_error')
    assert.deepEqual(
      readMessage.events.map((e: { status: string }) => e.status),
      ['queued', 'sending', 'sent', 'delivered', 'read']
    )
    assert.isString(readMessage.provider_message_id)
  })

  test('an unknown status or channel filter is a 422 naming the allowed values', async ({
    client,
    assert,
  }) => {
    const { secret, delivery } = await orgWithDelivery()
    const status = await client
      .get(`/api/v1/deliveries/${delivery.id}/messages`)
      .qs({ status: 'opened' })
      .bearerToken(secret)
    status.assertStatus(422)
    assert.containSubset(status.body().errors, [{ code: 'E_VALIDATION_ERROR', field: 'status' }])
    assert.include(status.body().errors[0].message, 'queued, sending, sent')
    const channel = await client
      .get(`/api/v1/deliveries/${delivery.id}/messages`)
      .qs({ channel: 'sms' })
      .bearerToken(secret)
    channel.assertStatus(422)
    assert.containSubset(channel.body().errors, [{ field: 'channel' }])
    const page = await client
      .get(`/api/v1/deliveries/${delivery.id}/messages`)
      .qs({ per_page: 500 })
      .bearerToken(secret)
    page.assertStatus(422)
  })

  test("another org's delivery or job is a 404 identical to an unknown id", async ({
    client,
    assert,
  }) => {
    const { delivery, job } = await orgWithDelivery()
    const { org: other } = await givenOrg()
    const { secret } = await givenApiKey(other)
    for (const path of [
      `/api/v1/deliveries/${delivery.id}`,
      `/api/v1/deliveries/${delivery.id}/messages`,
      `/api/v1/generation-jobs/${job.id}/deliveries`,
    ]) {
      const foreign = await client.get(path).bearerToken(secret)
      const unknown = await client
        .get(path.replace(/[0-9a-f-]{36}/, randomUUID()))
        .bearerToken(secret)
      foreign.assertStatus(404)
      assert.equal(foreign.text(), unknown.text(), path)
      assert.equal(foreign.body().errors[0].code, 'E_NOT_FOUND')
    }
    const malformed = await client.get('/api/v1/deliveries/not-a-uuid').bearerToken(secret)
    malformed.assertStatus(404)
  })
})
