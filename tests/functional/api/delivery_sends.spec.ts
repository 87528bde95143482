import { test } from '@japa/runner'
import { randomUUID } from 'node:crypto'
import testUtils from '@adonisjs/core/services/test_utils'
import { QueueWorker } from '#core/queue/worker'
import Delivery from '#deliveries/models/delivery'
import DeliveryMessage from '#deliveries/models/delivery_message'
import { givenOrg } from '#tests/helpers/given'
import { givenApiKey } from '#tests/helpers/api_keys'
import { givenSmtpIntegration, smtpStandInFor } from '#tests/helpers/deliveries'
import { givenIssuedJob, learners } from '#tests/helpers/delivery_jobs'

async function orgWithJob(count = 3) {
  const { org } = await givenOrg()
  const { secret } = await givenApiKey(org)
  const issued = await givenIssuedJob(org, learners(count))
  return { org, secret, ...issued }
}

test.group('API: sending deliveries', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  const stand = smtpStandInFor(group)

  test('POST /generation-jobs/:id/deliveries answers 202 { id, status, total_messages }; the worker sends them', async ({
    client,
    assert,
  }) => {
    const { org, secret, job, certificates } = await orgWithJob(3)
    await givenSmtpIntegration(org, { port: stand.current().port })
    const started = await client
      .post(`/api/v1/generation-jobs/${job.id}/deliveries`)
      .bearerToken(secret)
      .json({ channels: ['email'] })
    started.assertStatus(202)
    assert.containSubset(started.body(), {
      status: 'queued',
      total_messages: 3,
      generation_job_id: job.id,
      audience: 'all',
      missing_addresses: { email: 0 },
    })
    const id = started.body().id
    const delivery = await Delivery.findOrFail(id)
    assert.equal(delivery.organizationId, org.id)

    const before = await client.get(`/api/v1/deliveries/${id}`).bearerToken(secret)
    assert.equal(before.body().counts.queued, 3)

    await QueueWorker.drain({ lanes: 1 })
    const after = await client.get(`/api/v1/deliveries/${id}`).bearerToken(secret)
    assert.equal(after.body().by_channel.email.sent, 3)
    assert.equal(after.body().status, 'completed')
    assert.isString(after.body().finished_at)
    const messages = await client.get(`/api/v1/deliveries/${id}/messages`).bearerToken(secret)
    const message = messages.body().data[0]
    assert.equal(message.status, 'sent')
    assert.equal(message.attempts, 1)
    assert.deepEqual(
      message.events.map((e: { status: string }) => e.status),
      ['queued', 'sending', 'sent']
    )
    assert.lengthOf(message.certificate_ids, 1)
    assert.include(
      certificates.map((c) => c.id),
      message.certificate_ids[0]
    )
    assert.lengthOf(stand.current().messages(), 3)
  })

  test('bad input is a 422 naming the field: no channel, unknown channel, unknown audience, certificate of another job', async ({
    client,
    assert,
  }) => {
    const { org, secret, job } = await orgWithJob(2)
    const other = await givenIssuedJob(org, learners(1, 50))
    const cases: [Record<string, unknown>, string, string][] = [
      [{}, 'channels', 'E_VALIDATION_ERROR'],
      [{ channels: [] }, 'channels', 'E_VALIDATION_ERROR'],
      [{ channels: ['sms'] }, 'channels.0', 'E_VALIDATION_ERROR'],
      [{ channels: 'email' }, 'channels', 'E_VALIDATION_ERROR'],
      [{ channels: ['email'], audience: 'everyone' }, 'audience', 'E_VALIDATION_ERROR'],
      [
        { channels: ['email'], certificate_ids: ['nope'] },
        'certificate_ids.0',
        'E_VALIDATION_ERROR',
      ],
      [
        { channels: ['email'], fallback_to_email: 'yes' },
        'fallback_to_email',
        'E_VALIDATION_ERROR',
      ],
      [
        { channels: ['email'], certificate_ids: [other.certificates[0].id] },
        'certificate_ids',
        'E_CERTIFICATES_NOT_IN_JOB',
      ],
      [{ channels: ['whatsapp'] }, 'channels', 'E_NO_WHATSAPP_INTEGRATION'],
      [
        { channels: ['email'], audience: 'failed', certificate_ids: [other.certificates[0].id] },
        'audience',
        'E_VALIDATION_ERROR',
      ],
    ]
    for (const [body, field, code] of cases) {
      const response = await client
        .post(`/api/v1/generation-jobs/${job.id}/deliveries`)
        .bearerToken(secret)
        .json(body)
      assert.equal(response.status(), 422, JSON.stringify(body))
      assert.containSubset(response.body().errors, [{ field, code }], JSON.stringify(body))
      assert.isString(response.body().errors[0].message)
    }
    assert.lengthOf(await Delivery.query().where('organization_id', org.id), 0)
  })

  test("another org's job or certificate is a 404 identical to an unknown id; its certificate cannot be picked", async ({
    client,
    assert,
  }) => {
    const mine = await orgWithJob(1)
    const theirs = await orgWithJob(1)
    const foreign = await client
      .post(`/api/v1/generation-jobs/${theirs.job.id}/deliveries`)
      .bearerToken(mine.secret)
      .json({ channels: ['email'] })
    const unknown = await client
      .post(`/api/v1/generation-jobs/${randomUUID()}/deliveries`)
      .bearerToken(mine.secret)
      .json({ channels: ['email'] })
    foreign.assertStatus(404)
    assert.equal(foreign.text(), unknown.text())
    const list = await client
      .get(`/api/v1/generation-jobs/${theirs.job.id}/deliveries`)
      .bearerToken(mine.secret)
    list.assertStatus(404)

    const picked = await client
      .post(`/api/v1/generation-jobs/${mine.job.id}/deliveries`)
      .bearerToken(mine.secret)
      .json({ channels: ['email'], certificate_ids: [theirs.certificates[0].id] })
    picked.assertStatus(422)
    assert.equal(picked.body().errors[0].field, 'certificate_ids')

    const resendForeign = await client
      .post(`/api/v1/certificates/${theirs.certificates[0].id}/delivery`)
      .bearerToken(mine.secret)
      .json({ channel: 'email' })
    const resendUnknown = await client
      .post(`/api/v1/certificates/${randomUUID()}/delivery`)
      .bearerToken(mine.secret)
      .json({ channel: 'email' })
    resendForeign.assertStatus(404)
    assert.equal(resendForeign.text(), resendUnknown.text())
    assert.lengthOf(await Delivery.query().where('organization_id', theirs.org.id), 0)
  })

  test('POST /certificates/:id/delivery resends one certificate and answers 202 the message', async ({
    client,
    assert,
  }) => {
    const { org, secret, job, certificates, recipients } = await orgWithJob(2)
    await givenSmtpIntegration(org, { port: stand.current().port })
    const response = await client
      .post(`/api/v1/certificates/${certificates[1].id}/delivery`)
      .bearerToken(secret)
      .json({ channel: 'email' })
    response.assertStatus(202)
    const body = response.body()
    assert.containSubset(body, {
      channel: 'email',
      to: recipients[1].recipientEmail,
      status: 'queued',
      attempts: 0,
      certificate_ids: [certificates[1].id],
    })
    assert.deepEqual(
      body.events.map((e: { status: string }) => e.status),
      ['queued']
    )
    const delivery = await Delivery.findOrFail(body.delivery_id)
    assert.equal(delivery.audience, 'picked')
    assert.deepEqual(delivery.certificateIds, [certificates[1].id])
    assert.equal(delivery.generationJobId, job.id)
    assert.lengthOf(await DeliveryMessage.query().where('delivery_id', delivery.id), 1)

    const bad = await client
      .post(`/api/v1/certificates/${certificates[1].id}/delivery`)
      .bearerToken(secret)
      .json({ channel: 'pigeon' })
    bad.assertStatus(422)
    assert.equal(bad.body().errors[0].field, 'channel')
    const noWhatsApp = await client
      .post(`/api/v1/certificates/${certificates[1].id}/delivery`)
      .bearerToken(secret)
      .json({ channel: 'whatsapp' })
    noWhatsApp.assertStatus(422)
    assert.containSubset(noWhatsApp.body().errors, [
      { code: 'E_NO_WHATSAPP_INTEGRATION', field: 'channel' },
    ])
  })

  test('POST /deliveries/:id/cancellation stops a delivery: unsent messages are counted as cancelled, never sent', async ({
    client,
    assert,
  }) => {
    const { org, secret, job } = await orgWithJob(3)
    await givenSmtpIntegration(org, { port: stand.current().port })
    const started = await client
      .post(`/api/v1/generation-jobs/${job.id}/deliveries`)
      .bearerToken(secret)
      .json({ channels: ['email'] })
    const id = started.body().id
    const cancelled = await client.post(`/api/v1/deliveries/${id}/cancellation`).bearerToken(secret)
    cancelled.assertStatus(200)
    assert.containSubset(cancelled.body(), {
      id,
      status: 'cancelled',
      counts: { queued: 0, cancelled: 3 },
    })
    assert.isString(cancelled.body().cancelled_at)
    await QueueWorker.drain({ lanes: 1 })
    assert.lengthOf(stand.current().messages(), 0)
    const again = await client.post(`/api/v1/deliveries/${id}/cancellation`).bearerToken(secret)
    again.assertStatus(409)
    assert.equal(again.body().errors[0].code, 'E_DELIVERY_FINISHED')
    const messages = await client.get(`/api/v1/deliveries/${id}/messages`).bearerToken(secret)
    assert.containSubset(messages.body().data[0], {
      status: 'queued',
      last_error: { code: 'cancelled' },
    })

    const { org: other } = await givenOrg()
    const { secret: otherSecret } = await givenApiKey(other)
    const foreign = await client
      .post(`/api/v1/deliveries/${id}/cancellation`)
      .bearerToken(otherSecret)
    const unknown = await client
      .post(`/api/v1/deliveries/${randomUUID()}/cancellation`)
      .bearerToken(otherSecret)
    foreign.assertStatus(404)
    assert.equal(foreign.text(), unknown.text())
  })
})
