import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import type QueueJob from '#core/queue/queue_job'
import { testMessage, type TestMessagePayload } from '#deliveries/services/test_message_queue'
import testUtils from '@adonisjs/core/services/test_utils'
import { actingAs, givenCustomRole, givenMember, givenOrg } from '#tests/helpers/given'
import { flashOf } from '#tests/helpers/flash'
import { auditRows, metadataOf } from '#tests/helpers/orgs'
import { databaseContains } from '#tests/helpers/api_keys'
import {
  allowOutbound,
  givenProbeIntegration,
  givenSmtpIntegration,
  runTestMessages,
} from '#tests/helpers/deliveries'
import DeliveryIntegration from '#deliveries/models/delivery_integration'
import DeliveryIntegrationSecret from '#deliveries/models/delivery_integration_secret'
import { PHONE_NUMBER_ID, givenWhatsappIntegration } from '#tests/helpers/whatsapp_webhooks'
import { startWhatsAppStandIn } from '../../../stand_ins/whatsapp_cloud_api.js'

const PASSWORD_CANARY = 'canary-web-smtp-password-3e8d'

const smtpForm = (overrides: Record<string, string> = {}) => ({
  provider: 'smtp',
  name: 'Campus mail',
  host: '127.0.0.1',
  port: '2525',
  security: 'none',
  username: 'mailer',
  from_email: 'certificates@acme.example',
  from_name: 'Acme Academy',
  password: PASSWORD_CANARY,
  ...overrides,
})

test.group('Settings → Delivery', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => allowOutbound('127.0.0.1'))

  test('an owner adds an SMTP integration; the password is encrypted and never shown', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const created = await actingAs(
      client.post('/settings/delivery').form(smtpForm()).withCsrfToken().redirects(0),
      owner,
      org
    )
    created.assertStatus(302)
    created.assertHeader('location', '/settings/delivery')
    assert.match(flashOf(created).success, /Campus mail/)
    assert.notInclude(JSON.stringify(created.flashMessages()), PASSWORD_CANARY)

    const integration = await DeliveryIntegration.query()
      .where('organization_id', org.id)
      .firstOrFail()
    assert.isTrue(integration.isDefault)
    assert.equal(integration.config.host, '127.0.0.1')
    assert.deepEqual(await databaseContains(PASSWORD_CANARY), [])

    const page = await actingAs(client.get('/settings/delivery'), owner, org)
    page.assertStatus(200)
    assert.include(page.text(), 'Campus mail')
    assert.include(page.text(), 'Default')
    assert.include(page.text(), 'Not tested yet')
    assert.include(page.text(), 'sent via Authentix')

    const edit = await actingAs(client.get(`/settings/delivery/${integration.id}/edit`), owner, org)
    edit.assertStatus(200)
    assert.notInclude(edit.text(), PASSWORD_CANARY)
    assert.match(edit.text(), /Set · last changed/)
    assert.match(edit.text(), /<input[^>]*name="password"[^>]*type="password"(?![^>]*value=)/)
  })

  test('errors show under the field: a bad port and a refused host', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const invalid = await actingAs(
      client
        .post('/settings/delivery')
        .form(smtpForm({ port: '99999', from_email: 'nope' }))
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    invalid.assertStatus(302)
    invalid.assertHeader('location', '/settings/delivery/new?provider=smtp')
    const bag = flashOf(invalid).inputErrorsBag
    assert.match(bag.port[0], /port must be between 1 and 65535/)
    assert.match(bag.from_email[0], /from address must be an email address/)
    assert.notInclude(JSON.stringify(invalid.flashMessages()), PASSWORD_CANARY)

    const refused = await actingAs(
      client
        .post('/settings/delivery')
        .form(smtpForm({ host: '169.254.169.254' }))
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.match(flashOf(refused).inputErrorsBag.host[0], /169\.254\.169\.254/)
    assert.equal(
      await DeliveryIntegration.query()
        .where('organization_id', org.id)
        .count('* as n')
        .first()
        .then((row) => Number(row!.$extras.n)),
      0
    )

    const page = await actingAs(
      client.get('/settings/delivery/new?provider=smtp'),
      owner,
      org
    ).withFlashMessages(refused.flashMessages())
    assert.match(page.text(), /id="host-error"[^>]*>[^<]*169\.254\.169\.254/)
  })

  test('editing keeps the password unless a new one is typed', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const integration = await givenSmtpIntegration(org, {
      password: PASSWORD_CANARY,
      username: 'mailer',
    })
    const before = await DeliveryIntegrationSecret.query()
      .where('integration_id', integration.id)
      .firstOrFail()
    const kept = await actingAs(
      client
        .put(`/settings/delivery/${integration.id}`)
        .form(smtpForm({ name: 'Renamed', password: '' }))
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    kept.assertStatus(302)
    await integration.refresh()
    assert.equal(integration.displayName, 'Renamed')
    const after = await DeliveryIntegrationSecret.query()
      .where('integration_id', integration.id)
      .firstOrFail()
    assert.equal(after.ciphertext, before.ciphertext)

    await actingAs(
      client
        .put(`/settings/delivery/${integration.id}`)
        .form(smtpForm({ password: 'a-new-password' }))
        .withCsrfToken(),
      owner,
      org
    )
    const replaced = await DeliveryIntegrationSecret.query()
      .where('integration_id', integration.id)
      .firstOrFail()
    assert.notEqual(replaced.ciphertext, before.ciphertext)
    const [audit] = await auditRows(org, 'delivery_integration.updated')
    assert.notInclude(JSON.stringify(audit), 'a-new-password')
  })

  test('default, disable, enable and remove, each audited', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const first = await givenSmtpIntegration(org, { name: 'First' })
    const second = await givenSmtpIntegration(org, { name: 'Second', password: PASSWORD_CANARY })
    assert.isTrue(first.isDefault)
    assert.isFalse(second.isDefault)

    await actingAs(
      client.post(`/settings/delivery/${second.id}/default`).withCsrfToken(),
      owner,
      org
    )
    await first.refresh()
    await second.refresh()
    assert.isFalse(first.isDefault)
    assert.isTrue(second.isDefault)

    await actingAs(
      client.delete(`/settings/delivery/${second.id}/activation`).withCsrfToken(),
      owner,
      org
    )
    await second.refresh()
    assert.isFalse(second.isActive)
    assert.isFalse(second.isDefault)

    const refused = await actingAs(
      client.post(`/settings/delivery/${second.id}/default`).withCsrfToken().redirects(0),
      owner,
      org
    )
    assert.match(flashOf(refused).error, /disabled/)

    await actingAs(
      client.post(`/settings/delivery/${second.id}/activation`).withCsrfToken(),
      owner,
      org
    )
    await second.refresh()
    assert.isTrue(second.isActive)
    assert.isTrue(second.isDefault, 'the channel had no default, so it takes it back')

    await actingAs(client.delete(`/settings/delivery/${second.id}`).withCsrfToken(), owner, org)
    await second.refresh()
    assert.isNotNull(second.deletedAt)
    assert.lengthOf(await DeliveryIntegrationSecret.query().where('integration_id', second.id), 0)
    const page = await actingAs(client.get('/settings/delivery'), owner, org)
    assert.notInclude(page.text(), 'Second')

    for (const action of [
      'delivery_integration.made_default',
      'delivery_integration.disabled',
      'delivery_integration.enabled',
      'delivery_integration.removed',
    ]) {
      const [row] = await auditRows(org, action)
      assert.exists(row, action)
      assert.equal(metadataOf(row).name, 'Second')
    }
  })

  test('a member without deliveries.manage gets 403 on every route', async ({ client }) => {
    const { org } = await givenOrg()
    const integration = await givenSmtpIntegration(org)
    const role = await givenCustomRole(org, ['deliveries.send'])
    const { user } = await givenMember(org, role)
    const requests = [
      client.get('/settings/delivery'),
      client.get('/settings/delivery/new?provider=smtp'),
      client.post('/settings/delivery').form(smtpForm()).withCsrfToken(),
      client.get(`/settings/delivery/${integration.id}/edit`),
      client.put(`/settings/delivery/${integration.id}`).form(smtpForm()).withCsrfToken(),
      client.delete(`/settings/delivery/${integration.id}`).withCsrfToken(),
      client.post(`/settings/delivery/${integration.id}/default`).withCsrfToken(),
      client.post(`/settings/delivery/${integration.id}/activation`).withCsrfToken(),
      client.delete(`/settings/delivery/${integration.id}/activation`).withCsrfToken(),
      client.get(`/settings/delivery/${integration.id}/test-message`),
      client
        .post(`/settings/delivery/${integration.id}/test-message`)
        .form({ to: 'a@b.example' })
        .withCsrfToken(),
    ]
    for (const request of requests) {
      const response = await actingAs(request.redirects(0), user, org)
      response.assertStatus(403)
    }
  })

  test('another org’s integration is a 404 on every route', async ({ client }) => {
    const { org: orgA } = await givenOrg()
    const { org: orgB, owner: ownerB } = await givenOrg()
    const integration = await givenSmtpIntegration(orgA)
    const requests = [
      client.get(`/settings/delivery/${integration.id}/edit`),
      client.put(`/settings/delivery/${integration.id}`).form(smtpForm()).withCsrfToken(),
      client.delete(`/settings/delivery/${integration.id}`).withCsrfToken(),
      client.post(`/settings/delivery/${integration.id}/default`).withCsrfToken(),
      client.post(`/settings/delivery/${integration.id}/activation`).withCsrfToken(),
      client.delete(`/settings/delivery/${integration.id}/activation`).withCsrfToken(),
      client.get(`/settings/delivery/${integration.id}/test-message`),
      client
        .post(`/settings/delivery/${integration.id}/test-message`)
        .form({ to: 'a@b.example' })
        .withCsrfToken(),
      client.get('/settings/delivery/new?provider=carrier_pigeon'),
    ]
    for (const request of requests) {
      const response = await actingAs(request.redirects(0), ownerB, orgB)
      response.assertStatus(404)
    }
  })

  test('a test message request shows as pending, then its outcome, and the island stops polling', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    // Nothing listens on port 9 of loopback: the outcome is a refused connection.
    const integration = await givenSmtpIntegration(org, { port: 9 })
    const queued = await actingAs(
      client
        .post(`/settings/delivery/${integration.id}/test-message`)
        .form({ to: 'registrar@acme.example' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    queued.assertStatus(302)
    assert.match(flashOf(queued).success, /registrar@acme\.example/)
    const pending = await actingAs(
      client.get(`/settings/delivery/${integration.id}/test-message`),
      owner,
      org
    )
    assert.include(pending.text(), 'data-test-status="pending"')
    assert.include(pending.text(), 'hx-trigger')

    await runTestMessages(integration.id)
    const done = await actingAs(
      client.get(`/settings/delivery/${integration.id}/test-message`),
      owner,
      org
    )
    assert.include(done.text(), 'data-test-status="failed"')
    assert.include(done.text(), 'Connection refused')
    assert.notInclude(done.text(), 'hx-trigger')

    const wrongChannel = await actingAs(
      client
        .post(`/settings/delivery/${integration.id}/test-message`)
        .form({ to: '+91 98765 43210' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.match(flashOf(wrongChannel).inputErrorsBag.to[0], /email address/)
  })

  test('a WhatsApp test message goes as deliveries do: the approved template with a sample PDF as its document header', async ({
    client,
    assert,
  }) => {
    const whatsapp = await startWhatsAppStandIn({
      accessToken: 'graph-access-token',
      phoneNumberIds: [PHONE_NUMBER_ID],
      // Approved with a DOCUMENT header, as integrations.md says ours must be: a send without one is 132012.
      templates: [
        { name: 'certificate_issued', language: 'en', header: 'document', bodyParameters: 2 },
      ],
    })
    try {
      const { org, owner } = await givenOrg()
      const integration = await givenWhatsappIntegration(org, { apiBaseUrl: whatsapp.url })
      const queued = await actingAs(
        client
          .post(`/settings/delivery/${integration.id}/test-message`)
          .form({ to: '+91 98765 43210' })
          .withCsrfToken()
          .redirects(0),
        owner,
        org
      )
      queued.assertStatus(302)
      await runTestMessages(integration.id)
      const done = await actingAs(
        client.get(`/settings/delivery/${integration.id}/test-message`),
        owner,
        org
      )
      assert.include(done.text(), 'data-test-status="succeeded"')
      assert.include(done.text(), 'WhatsApp accepted the test message for +919876543210')

      const [upload] = whatsapp.mediaUploads
      assert.equal(upload.bytes.subarray(0, 5).toString('latin1'), '%PDF-')
      assert.equal(upload.filename, 'test-certificate.pdf')
      const [message] = whatsapp.sent
      assert.equal(message.to, '919876543210')
      assert.equal(message.document?.id, upload.id)
      assert.equal(message.document?.filename, 'test-certificate.pdf')
      assert.deepEqual(whatsapp.rejected, [])
    } finally {
      await whatsapp.close()
    }
  })

  test('a WhatsApp integration’s form offers the PDF by link (the default) or by upload', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const form = await actingAs(
      client.get('/settings/delivery/new?provider=whatsapp_cloud'),
      owner,
      org
    )
    form.assertStatus(200)
    assert.include(
      form.text(),
      '<select class="input" id="document_delivery" name="document_delivery">'
    )
    assert.match(form.text(), /<option value="link" selected>By link/)
    assert.match(form.text(), /<option value="upload" >By upload/)

    const fields = {
      provider: 'whatsapp_cloud',
      name: 'Acme WhatsApp',
      phone_number_id: '106540352242922',
      waba_id: '102290129340398',
      display_phone_number: '+91 98765 43210',
      api_version: 'v21.0',
      template_name: 'certificate_issued',
      template_language: 'en',
      body_parameters: 'recipient_name',
      document_delivery: 'upload',
      access_token: 'web-access-token',
      app_secret: 'web-app-secret',
      verify_token: 'web-verify-token',
    }
    const created = await actingAs(
      client.post('/settings/delivery').form(fields).withCsrfToken().redirects(0),
      owner,
      org
    )
    created.assertStatus(302)
    const integration = await DeliveryIntegration.query()
      .where('organization_id', org.id)
      .where('channel', 'whatsapp')
      .firstOrFail()
    assert.equal(integration.documentDelivery, 'upload')
    const edit = await actingAs(client.get(`/settings/delivery/${integration.id}/edit`), owner, org)
    assert.match(edit.text(), /<option value="upload" selected>By upload/)

    const refused = await actingAs(
      client
        .put(`/settings/delivery/${integration.id}`)
        .form({ ...fields, document_delivery: 'carrier_pigeon', access_token: '' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    refused.assertStatus(302)
    assert.equal(
      flashOf(refused).inputErrorsBag.document_delivery[0],
      'Send the PDF either by link ("link") or by upload ("upload").'
    )
    await integration.refresh()
    assert.equal(integration.documentDelivery, 'upload')
  })

  test('a WhatsApp Cloud integration is added from its form, body parameters from a comma list', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const created = await actingAs(
      client
        .post('/settings/delivery')
        .form({
          provider: 'whatsapp_cloud',
          name: 'Acme WhatsApp',
          phone_number_id: '106540352242922',
          waba_id: '102290129340398',
          display_phone_number: '+91 98765 43210',
          api_base_url: '',
          api_version: 'v21.0',
          template_name: 'certificate_issued',
          template_language: 'en',
          body_parameters: 'recipient_name, course_name',
          daily_unique_recipients_tier: '2000',
          access_token: 'canary-web-access-token',
          app_secret: 'canary-web-app-secret',
          verify_token: 'canary-web-verify-token',
        })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    created.assertStatus(302)
    assert.match(flashOf(created).success, /Acme WhatsApp/)
    const integration = await DeliveryIntegration.query()
      .where('organization_id', org.id)
      .where('channel', 'whatsapp')
      .firstOrFail()
    // The webhook is a step in Meta's dashboard: the integration's page, which shows its address.
    created.assertHeader('location', `/settings/delivery/${integration.id}/edit`)
    assert.include(flashOf(created).success, 'One step left: give Meta the webhook address below')
    assert.equal(integration.whatsappPhoneNumberId, '106540352242922')
    assert.deepEqual(integration.config.body_parameters, ['recipient_name', 'course_name'])
    assert.equal(integration.config.daily_unique_recipients_tier, 2000)
    assert.notProperty(integration.config, 'api_base_url')
    assert.isTrue(integration.isDefault)
    for (const canary of [
      'canary-web-access-token',
      'canary-web-app-secret',
      'canary-web-verify-token',
    ]) {
      assert.deepEqual(await databaseContains(canary), [])
    }

    const edit = await actingAs(client.get(`/settings/delivery/${integration.id}/edit`), owner, org)
    edit.assertStatus(200)
    assert.include(edit.text(), 'value="recipient_name, course_name"')
    assert.equal(edit.text().match(/Set · last changed/g)?.length, 3)
    assert.notInclude(edit.text(), 'canary-web')

    const missingToken = await actingAs(
      client
        .post('/settings/delivery')
        .form({ provider: 'whatsapp_cloud', name: 'No token', api_version: '21' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    const bag = flashOf(missingToken).inputErrorsBag
    assert.match(bag.access_token[0], /access token/)
    assert.match(bag.api_version[0], /v21\.0/)
    assert.match(bag.phone_number_id[0], /phone number id/)
  })

  test('the database allows one default per org and channel among integrations not removed', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const removed = await givenProbeIntegration(org)
    removed.merge({ isDefault: true, deletedAt: DateTime.now() })
    await removed.save()
    const current = await givenProbeIntegration(org)
    current.isDefault = true
    await current.save()
    const second = await givenProbeIntegration(org)
    second.isDefault = true
    await assert.rejects(() => second.save())
  })

  test('a test job that fails unexpectedly leaves the test reported as failed, not pending', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenProbeIntegration(org)
    integration.lastTestStatus = 'pending'
    await integration.save()
    // The hook reads only the dead letter's payload.
    const deadLetter = { payload: { integrationId: integration.id, to: 'a@b.example' } }
    await db.transaction((trx) =>
      testMessage.definition.failed!(trx, deadLetter as QueueJob<TestMessagePayload>)
    )
    await integration.refresh()
    assert.equal(integration.lastTestStatus, 'failed')
    assert.match(integration.lastTestMessage!, /error on our side/)
    assert.isNotNull(integration.lastTestedAt)
  })
})
