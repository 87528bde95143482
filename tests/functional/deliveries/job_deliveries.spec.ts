import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import testUtils from '@adonisjs/core/services/test_utils'
import { QueueWorker } from '#core/queue/worker'
import Delivery from '#deliveries/models/delivery'
import DeliveryMessage from '#deliveries/models/delivery_message'
import { actingAs, givenCustomRole, givenMember, givenOrg } from '#tests/helpers/given'
import { fieldErrorOf, flashOf } from '#tests/helpers/orgs'
import { givenSmtpIntegration, smtpStandInFor } from '#tests/helpers/deliveries'
import { givenIssuedJob, learners } from '#tests/helpers/delivery_jobs'
import { advance, givenAttempt, givenDelivery } from '#tests/helpers/delivery_records'

test.group('Web: delivering a job', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  const stand = smtpStandInFor(group)

  test('start from the Deliver page; the panel polls while sending and stops when done', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    await givenSmtpIntegration(org, { port: stand.current().port })
    const rows = learners(3)
    rows[2].email = undefined
    const { job } = await givenIssuedJob(org, rows)

    const jobPage = await actingAs(client.get(`/generation-jobs/${job.id}`), owner, org)
    assert.include(jobPage.text(), `href="/generation-jobs/${job.id}/deliveries"`)

    const page = await actingAs(client.get(`/generation-jobs/${job.id}/deliveries`), owner, org)
    page.assertStatus(200)
    assert.include(page.text(), 'id="delivery-form"')
    assert.include(page.text(), 'Nothing sent yet')
    // No WhatsApp integration: WhatsApp can't be ticked, and falling back needs WhatsApp ticked.
    assert.match(page.text(), /id="channel-whatsapp" disabled>/)
    assert.match(page.text(), /id="fallback-to-email" data-enabled-by="channel-whatsapp"/)

    const estimate = await actingAs(
      client.get(`/generation-jobs/${job.id}/deliveries/estimate`).qs({
        channels: 'email',
        audience: 'all',
      }),
      owner,
      org
    )
    estimate.assertStatus(200)
    assert.match(estimate.text(), /data-estimate="messages">2</)
    assert.match(estimate.text(), /data-estimate="missing">1</)
    assert.include(estimate.text(), 'without an email address')
    assert.notInclude(estimate.text(), 'data-estimate="fallback"')
    // The fallback box says what it does, and that it needs WhatsApp.
    const withFallback = await actingAs(
      client
        .get(`/generation-jobs/${job.id}/deliveries/estimate`)
        .qs({ channels: 'email', audience: 'all', fallback_to_email: '1' }),
      owner,
      org
    )
    assert.include(withFallback.text(), 'applies to WhatsApp messages only')

    const started = await actingAs(
      client
        .post(`/generation-jobs/${job.id}/deliveries`)
        .form({ channels: 'email', audience: 'all' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    started.assertStatus(302)
    assert.equal(started.header('location'), `/generation-jobs/${job.id}/deliveries`)
    assert.include(
      flashOf(started, 'success'),
      '2 email messages queued, 1 without an email address'
    )
    const delivery = await Delivery.query().where('generation_job_id', job.id).firstOrFail()
    assert.equal(delivery.requestedBy, owner.id)

    const sending = await actingAs(
      client.get(`/generation-jobs/${job.id}/deliveries/panel`),
      owner,
      org
    )
    sending.assertStatus(200)
    assert.include(sending.text(), 'data-sending="true"')
    assert.include(sending.text(), 'hx-trigger="load delay:2s"')
    assert.match(sending.text(), /data-count="email.queued">2</)
    assert.include(sending.text(), '2 messages still waiting')

    await QueueWorker.drain({ lanes: 1 })
    const done = await actingAs(
      client.get(`/generation-jobs/${job.id}/deliveries/panel`),
      owner,
      org
    )
    assert.include(done.text(), 'data-sending="false"')
    assert.notInclude(done.text(), 'hx-trigger')
    assert.match(done.text(), /data-count="email.sent">2</)
    assert.include(done.text(), 'Nothing is waiting to be sent.')
    assert.lengthOf(stand.current().messages(), 2)
  })

  test('after sending, the panel keeps looking slowly while WhatsApp receipts may come; the form then defaults to those not yet sent', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { job } = await givenIssuedJob(org, learners(2))
    const { delivery, messages } = await givenDelivery(org, job, {
      channels: ['whatsapp'],
      status: 'completed',
    })
    const [first, second] = messages
    await advance(first, 'read')
    await advance(second, 'delivered')
    delivery.finishedAt = DateTime.utc().minus({ minutes: 5 })
    await delivery.save()

    const panel = () =>
      actingAs(client.get(`/generation-jobs/${job.id}/deliveries/panel`), owner, org)
    const waiting = await panel()
    assert.include(waiting.text(), 'data-sending="false"')
    assert.include(waiting.text(), 'hx-trigger="load delay:15s"')
    assert.include(waiting.text(), 'receipts still coming in')

    // Every receipt in: no more polling.
    await advance(second, 'read')
    const allRead = await panel()
    assert.notInclude(allRead.text(), 'hx-trigger')
    // Nor an hour after the delivery finished, whatever is still out.
    await DeliveryMessage.query().where('id', second.id).update({ status: 'delivered' })
    delivery.finishedAt = DateTime.utc().minus({ minutes: 61 })
    await delivery.save()
    const anHourOn = await panel()
    assert.notInclude(anHourOn.text(), 'hx-trigger')

    const page = await actingAs(client.get(`/generation-jobs/${job.id}/deliveries`), owner, org)
    assert.match(page.text(), /value="undelivered" id="audience-undelivered" checked/)
    assert.notMatch(page.text(), /value="all" id="audience-all" checked/)
  })

  test('bad form input goes back with the reason under the field; a refusal is flashed', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { job } = await givenIssuedJob(org, learners(1))
    const none = await actingAs(
      client
        .post(`/generation-jobs/${job.id}/deliveries`)
        .form({ audience: 'all' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    none.assertStatus(302)
    assert.include(fieldErrorOf(none, 'channels'), 'Choose at least one channel')
    const whatsapp = await actingAs(
      client
        .post(`/generation-jobs/${job.id}/deliveries`)
        .form({ channels: 'whatsapp', audience: 'all' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.include(flashOf(whatsapp, 'error'), 'no active WhatsApp integration')
    assert.lengthOf(await Delivery.query().where('generation_job_id', job.id), 0)
  })

  test('failures grouped by reason, a formula-safe CSV, resend one and resend all failed', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { job } = await givenIssuedJob(org, learners(3))
    const { messages, certificates } = await givenDelivery(org, job, {
      channels: ['email'],
      at: DateTime.utc().minus({ minutes: 5 }),
    })
    const formula = { code: 'smtp_550', message: '=HYPERLINK("http://evil.example","click")' }
    await advance(messages[0], 'failed', { error: formula })
    await advance(messages[1], 'failed', { error: formula })
    await advance(messages[2], 'delivered')
    await Delivery.query().where('id', messages[0].deliveryId).update({ status: 'completed' })

    const panel = await actingAs(
      client.get(`/generation-jobs/${job.id}/deliveries/panel`),
      owner,
      org
    )
    assert.include(panel.text(), 'data-reason="email:smtp_550"')
    assert.include(panel.text(), 'Failed: 2')
    assert.include(panel.text(), 'id="resend-failed"')
    assert.include(panel.text(), `data-message-id="${messages[0].id}"`)

    const csv = await actingAs(
      client.get(`/generation-jobs/${job.id}/deliveries/failures.csv`),
      owner,
      org
    )
    csv.assertStatus(200)
    assert.include(csv.header('content-type'), 'text/csv')
    const lines = csv
      .text()
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
    assert.lengthOf(lines, 3)
    assert.include(lines[0], 'Recipient,Channel,To,Certificates,Error code,Reason')
    assert.include(lines[1], `"'=HYPERLINK(""http://evil.example"",""click"")"`)
    assert.notInclude(csv.text(), ',=HYPERLINK')

    const one = await actingAs(
      client.post(`/delivery-messages/${messages[0].id}/resend`).withCsrfToken().redirects(0),
      owner,
      org
    )
    one.assertStatus(302)
    assert.include(flashOf(one, 'success'), '1 email message queued')
    const picked = await Delivery.query()
      .where('generation_job_id', job.id)
      .where('audience', 'picked')
      .firstOrFail()
    assert.deepEqual(picked.certificateIds, [
      certificates.find((c) => c.generationJobRecipientId === messages[0].recipientId)!.id,
    ])
    const all = await actingAs(
      client.post(`/generation-jobs/${job.id}/deliveries/resends`).withCsrfToken().redirects(0),
      owner,
      org
    )
    assert.include(flashOf(all, 'success'), '1 email message queued')
    const failedOnes = await Delivery.query()
      .where('generation_job_id', job.id)
      .where('audience', 'failed')
      .firstOrFail()
    const resent = await DeliveryMessage.query().where('delivery_id', failedOnes.id)
    // The first was resent already (its newest message is queued): only the second failed one remains.
    assert.deepEqual(
      resent.map((m) => m.recipientId),
      [messages[1].recipientId]
    )
  })

  test('the certificate page, a recipient page and the dashboard show deliveries to those who may send', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { job, certificates, recipients } = await givenIssuedJob(org, learners(2))
    const { messages } = await givenDelivery(org, job, { channels: ['whatsapp'] })
    await givenAttempt(messages[0], 1, 'accepted')
    await advance(messages[0], 'read')

    const certificatePage = await actingAs(
      client.get(`/certificates/${certificates[0].id}`),
      owner,
      org
    )
    assert.include(certificatePage.text(), `/certificates/${certificates[0].id}/deliveries`)
    const island = await actingAs(
      client.get(`/certificates/${certificates[0].id}/deliveries`).header('HX-Request', 'true'),
      owner,
      org
    )
    island.assertStatus(200)
    assert.notInclude(island.text(), '<html')
    const asPage = await actingAs(
      client.get(`/certificates/${certificates[0].id}/deliveries`),
      owner,
      org
    )
    assert.include(asPage.text(), '<html')
    assert.include(asPage.text(), 'WhatsApp read')
    assert.include(island.text(), 'WhatsApp queued')
    assert.include(island.text(), 'WhatsApp attempt 1: Accepted by the provider')
    assert.include(island.text(), 'WhatsApp read')
    const other = await actingAs(
      client.get(`/certificates/${certificates[1].id}/deliveries`),
      owner,
      org
    )
    assert.include(other.text(), 'WhatsApp queued')
    assert.notInclude(other.text(), 'WhatsApp read')

    const recipientPage = await actingAs(
      client.get(`/generation-jobs/${job.id}/recipients/${recipients[0].id}/deliveries`),
      owner,
      org
    )
    recipientPage.assertStatus(200)
    assert.include(recipientPage.text(), 'Learner 1')
    assert.include(recipientPage.text(), 'WhatsApp read')
    assert.include(recipientPage.text(), 'Resend by WhatsApp')

    const dashboard = await actingAs(client.get('/dashboard'), owner, org)
    assert.include(dashboard.text(), '/deliveries/this-month')
    const figures = await actingAs(client.get('/deliveries/this-month'), owner, org)
    assert.match(figures.text(), /data-channel="whatsapp">[\s\S]*?data-figure="read">1</)
  })

  test('a member without deliveries.send sees no delivery buttons or timelines and is refused', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const role = await givenCustomRole(org, ['certificates.issue', 'certificates.download'])
    const { user } = await givenMember(org, role)
    const { job, certificates } = await givenIssuedJob(org, learners(1))
    const { messages } = await givenDelivery(org, job)

    const jobPage = await actingAs(client.get(`/generation-jobs/${job.id}`), user, org)
    jobPage.assertStatus(200)
    assert.notInclude(jobPage.text(), 'id="deliver-job"')
    const certificatePage = await actingAs(
      client.get(`/certificates/${certificates[0].id}`),
      user,
      org
    )
    assert.notInclude(certificatePage.text(), '/deliveries')
    const dashboard = await actingAs(client.get('/dashboard'), user, org)
    assert.notInclude(dashboard.text(), '/deliveries/this-month')

    for (const request of [
      client.get(`/generation-jobs/${job.id}/deliveries`),
      client.get(`/generation-jobs/${job.id}/deliveries/panel`),
      client
        .post(`/generation-jobs/${job.id}/deliveries`)
        .form({ channels: 'email' })
        .withCsrfToken(),
      client.post(`/generation-jobs/${job.id}/deliveries/resends`).withCsrfToken(),
      client.post(`/delivery-messages/${messages[0].id}/resend`).withCsrfToken(),
    ]) {
      const response = await actingAs(request, user, org)
      response.assertStatus(403)
    }
    assert.lengthOf(await Delivery.query().where('generation_job_id', job.id), 1)
  })

  test('cancelling from the panel: the funnel shows what was never sent', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    await givenSmtpIntegration(org, { port: stand.current().port })
    const { job } = await givenIssuedJob(org, learners(2))
    await actingAs(
      client
        .post(`/generation-jobs/${job.id}/deliveries`)
        .form({ channels: 'email', audience: 'all' })
        .withCsrfToken(),
      owner,
      org
    )
    const delivery = await Delivery.query().where('generation_job_id', job.id).firstOrFail()
    const panel = await actingAs(
      client.get(`/generation-jobs/${job.id}/deliveries/panel`),
      owner,
      org
    )
    assert.include(panel.text(), `id="cancel-delivery-${delivery.id}"`)
    const cancelled = await actingAs(
      client.post(`/deliveries/${delivery.id}/cancellation`).withCsrfToken().redirects(0),
      owner,
      org
    )
    cancelled.assertStatus(302)
    assert.include(flashOf(cancelled, 'success'), '2 messages not sent')
    const after = await actingAs(
      client.get(`/generation-jobs/${job.id}/deliveries/panel`),
      owner,
      org
    )
    assert.include(after.text(), 'data-sending="false"')
    assert.match(after.text(), /data-count="email.cancelled">2</)
    assert.notInclude(after.text(), 'still waiting')
    await QueueWorker.drain({ lanes: 1 })
    assert.lengthOf(stand.current().messages(), 0)
  })

  test("a delivery's messages page filters by status and channel; a certificate is sent by one channel from its page", async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    await givenSmtpIntegration(org, { port: stand.current().port })
    const { job, certificates } = await givenIssuedJob(org, learners(3))
    const { delivery, messages } = await givenDelivery(org, job, {
      channels: ['email'],
      at: DateTime.utc().minus({ minutes: 5 }),
    })
    await advance(messages[0], 'failed', {
      error: { code: 'smtp_550', message: 'The mailbox does not exist.' },
    })
    await advance(messages[1], 'read')

    const all = await actingAs(client.get(`/deliveries/${delivery.id}/messages`), owner, org)
    all.assertStatus(200)
    assert.equal((all.text().match(/data-message-id=/g) ?? []).length, 3)
    const failed = await actingAs(
      client.get(`/deliveries/${delivery.id}/messages`).qs({ status: 'failed', channel: 'email' }),
      owner,
      org
    )
    assert.equal((failed.text().match(/data-message-id=/g) ?? []).length, 1)
    assert.include(failed.text(), 'The mailbox does not exist. (smtp_550)')
    const bogus = await actingAs(
      client.get(`/deliveries/${delivery.id}/messages`).qs({ status: 'opened' }),
      owner,
      org
    )
    bogus.assertStatus(200)

    const island = await actingAs(
      client.get(`/certificates/${certificates[2].id}/deliveries`),
      owner,
      org
    )
    assert.include(island.text(), 'id="send-certificate"')
    const sent = await actingAs(
      client
        .post(`/certificates/${certificates[2].id}/delivery`)
        .form({ channel: 'email' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    sent.assertStatus(302)
    assert.equal(sent.header('location'), `/certificates/${certificates[2].id}`)
    assert.include(flashOf(sent, 'success'), 'queued to go by email')
    const picked = await Delivery.query()
      .where('generation_job_id', job.id)
      .where('audience', 'picked')
      .firstOrFail()
    assert.deepEqual(picked.certificateIds, [certificates[2].id])
    const whatsapp = await actingAs(
      client
        .post(`/certificates/${certificates[2].id}/delivery`)
        .form({ channel: 'whatsapp' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.include(flashOf(whatsapp, 'error'), 'no active WhatsApp integration')
  })

  test('a paused integration is named in the panel; an admin resumes it from Settings → Delivery', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const integration = await givenSmtpIntegration(org, {
      port: stand.current().port,
      name: 'Campus mail',
    })
    const { job } = await givenIssuedJob(org, learners(2))
    await actingAs(
      client
        .post(`/generation-jobs/${job.id}/deliveries`)
        .form({ channels: 'email', audience: 'all' })
        .withCsrfToken(),
      owner,
      org
    )
    // As the worker leaves it after an authentication failure.
    integration.merge({
      pausedAt: DateTime.utc(),
      pauseCode: 'smtp_535',
      pauseReason: 'The mail server refused the user name or password.',
    })
    await integration.save()

    const panel = await actingAs(
      client.get(`/generation-jobs/${job.id}/deliveries/panel`),
      owner,
      org
    )
    assert.include(panel.text(), `data-paused-integration="${integration.id}"`)
    assert.include(panel.text(), 'refused the user name or password')
    const settings = await actingAs(client.get('/settings/delivery'), owner, org)
    assert.include(settings.text(), 'data-paused="true"')
    const sender = await givenCustomRole(org, ['deliveries.send'])
    const { user } = await givenMember(org, sender)
    const refused = await actingAs(
      client.post(`/settings/delivery/${integration.id}/resumption`).withCsrfToken(),
      user,
      org
    )
    refused.assertStatus(403)

    const resumed = await actingAs(
      client.post(`/settings/delivery/${integration.id}/resumption`).withCsrfToken().redirects(0),
      owner,
      org
    )
    resumed.assertStatus(302)
    assert.include(flashOf(resumed, 'success'), '“Campus mail” sends again')
    await integration.refresh()
    assert.isNull(integration.pausedAt)
    const after = await actingAs(
      client.get(`/generation-jobs/${job.id}/deliveries/panel`),
      owner,
      org
    )
    assert.notInclude(after.text(), 'data-paused-integration')
  })
})
