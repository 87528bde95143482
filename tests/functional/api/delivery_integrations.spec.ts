import { test } from '@japa/runner'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import testUtils from '@adonisjs/core/services/test_utils'
import { givenOrg } from '#tests/helpers/given'
import { databaseContains, givenApiKey } from '#tests/helpers/api_keys'
import { auditRows, metadataOf } from '#tests/helpers/orgs'
import { allowOutbound, runTestMessages } from '#tests/helpers/deliveries'
import { startSmtpStandIn, type SmtpStandIn } from '../../../stand_ins/smtp.js'
import { startWhatsAppStandIn } from '../../../stand_ins/whatsapp_cloud_api.js'
import DeliveryIntegration from '#deliveries/models/delivery_integration'
import DeliveryIntegrationSecret from '#deliveries/models/delivery_integration_secret'
import { deliverySecrets } from '#config/secrets'

const SMTP_CANARY = 'canary-smtp-pass-91c2e'
const TOKEN_CANARY = 'canary-access-token-5d7b1'
const PROVIDER_KEY = 'canary-provider-api-key-0a4c'

function smtpBody(port: number, overrides: Record<string, unknown> = {}) {
  return {
    channel: 'email',
    provider: 'smtp',
    name: 'Campus mail',
    settings: {
      host: '127.0.0.1',
      port,
      security: 'none',
      username: 'mailer',
      from_email: 'certificates@acme.example',
      from_name: 'Acme Academy',
    },
    secrets: { password: SMTP_CANARY },
    ...overrides,
  }
}

function whatsappBody(baseUrl: string, token = TOKEN_CANARY) {
  return {
    channel: 'whatsapp',
    provider: 'whatsapp_cloud',
    name: 'Acme WhatsApp',
    settings: {
      phone_number_id: '106540352242922',
      waba_id: '102290129340398',
      display_phone_number: '+1 555 078 3881',
      api_base_url: baseUrl,
      api_version: 'v21.0',
      template_name: 'certificate_issued',
      template_language: 'en',
      body_parameters: ['recipient_name', 'course_name'],
    },
    secrets: {
      access_token: token,
      app_secret: 'canary-app-secret',
      verify_token: 'canary-verify',
    },
  }
}

test.group('API: delivery integrations', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  let smtp: SmtpStandIn
  let undoAllow: () => void
  group.setup(async () => {
    smtp = await startSmtpStandIn({ auth: { user: 'mailer', pass: SMTP_CANARY } })
    undoAllow = allowOutbound('127.0.0.1')
    return async () => {
      undoAllow()
      await smtp.close()
    }
  })
  group.each.setup(() => smtp.reset())

  test('creating an SMTP integration answers 201 without secrets and lists it', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { secret } = await givenApiKey(org)
    const created = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(secret)
      .json(smtpBody(smtp.port))
    created.assertStatus(201)
    const body = created.body()
    assert.containSubset(body, {
      channel: 'email',
      provider: 'smtp',
      name: 'Campus mail',
      is_default: true,
      status: 'active',
      sender: 'Acme Academy <certificates@acme.example>',
      settings: { host: '127.0.0.1', port: smtp.port, security: 'none', username: 'mailer' },
    })
    assert.deepEqual(
      body.secrets_set.map((entry: { type: string }) => entry.type),
      ['password']
    )
    assert.notInclude(created.text(), SMTP_CANARY)

    const list = await client.get('/api/v1/delivery-integrations').bearerToken(secret)
    list.assertStatus(200)
    assert.equal(list.body().meta.total, 1)
    assert.deepEqual(
      Object.keys(list.body().data[0]).filter((key) =>
        [
          'id',
          'channel',
          'provider',
          'name',
          'is_default',
          'status',
          'sender',
          'created_at',
        ].includes(key)
      ).length,
      8
    )
    assert.notInclude(list.text(), SMTP_CANARY)

    const [audit] = await auditRows(org, 'delivery_integration.created')
    assert.equal(audit.entity_id, body.id)
    assert.deepInclude(metadataOf(audit), {
      provider: 'smtp',
      credentials_set: ['password'],
      via: 'api',
    })
  })

  test('a raw secret is stored nowhere: only its ciphertext under the delivery keyring', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { secret } = await givenApiKey(org)
    const created = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(secret)
      .json(smtpBody(smtp.port))
    created.assertStatus(201)
    const whatsapp = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(secret)
      .json(whatsappBody('http://127.0.0.1:9'))
    whatsapp.assertStatus(201)

    assert.deepEqual(await databaseContains(SMTP_CANARY), [])
    assert.deepEqual(await databaseContains(TOKEN_CANARY), [])
    assert.deepEqual(await databaseContains('canary-app-secret'), [])
    const row = await DeliveryIntegrationSecret.query()
      .where('integration_id', created.body().id)
      .firstOrFail()
    assert.equal(row.keyId, deliverySecrets().currentKeyId)
    assert.equal(
      deliverySecrets().decrypt(
        row.ciphertext,
        `delivery_integration:${created.body().id}:password`
      ),
      SMTP_CANARY
    )
    const shown = await client
      .get(`/api/v1/delivery-integrations/${created.body().id}`)
      .bearerToken(secret)
    assert.notInclude(shown.text(), SMTP_CANARY)
  })

  test('hosts on loopback, private, link-local or metadata addresses are refused with E_HOST_NOT_ALLOWED', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { secret } = await givenApiKey(org)
    for (const host of ['10.1.2.3', '169.254.169.254', '192.168.0.10', '127.0.0.2', 'localhost']) {
      const response = await client
        .post('/api/v1/delivery-integrations')
        .bearerToken(secret)
        .json(smtpBody(25, { settings: { ...smtpBody(25).settings, host } }))
      response.assertStatus(422)
      const [error] = response.body().errors
      assert.equal(error.code, 'E_HOST_NOT_ALLOWED', host)
      assert.equal(error.field, 'settings.host')
      assert.isAbove(error.message.length, 10)
    }
    const graph = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(secret)
      .json(whatsappBody('http://169.254.169.254/latest'))
    graph.assertStatus(422)
    assert.equal(graph.body().errors[0].code, 'E_HOST_NOT_ALLOWED')
    assert.equal(graph.body().errors[0].field, 'settings.api_base_url')
  })

  test('settings are validated per provider and errors name the field', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { secret } = await givenApiKey(org)
    const response = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(secret)
      .json({
        channel: 'email',
        provider: 'mailgun',
        name: 'Mailgun',
        settings: { from_email: 'not-an-address' },
        secrets: {},
      })
    response.assertStatus(422)
    const fields = response.body().errors.map((error: { field: string }) => error.field)
    assert.includeMembers(fields, ['settings.domain', 'settings.from_email', 'secrets.api_key'])

    const mismatch = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(secret)
      .json({ ...smtpBody(25), channel: 'whatsapp' })
    mismatch.assertStatus(422)
    assert.equal(mismatch.body().errors[0].field, 'provider')
  })

  test('a WhatsApp integration sends the PDF by link unless its settings say document_delivery: upload', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { secret } = await givenApiKey(org)
    const body = whatsappBody('http://127.0.0.1:9')
    const created = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(secret)
      .json(body)
    created.assertStatus(201)
    assert.equal(created.body().settings.document_delivery, 'link')
    const id = created.body().id

    const upload = await client
      .put(`/api/v1/delivery-integrations/${id}`)
      .bearerToken(secret)
      .json({ settings: { ...body.settings, document_delivery: 'upload' } })
    upload.assertStatus(200)
    assert.equal(upload.body().settings.document_delivery, 'upload')
    const listed = await client.get('/api/v1/delivery-integrations').bearerToken(secret)
    const entry = listed.body().data.find((row: { id: string }) => row.id === id)
    assert.equal(entry.settings.document_delivery, 'upload')
    const stored = await DeliveryIntegration.findOrFail(id)
    assert.equal(stored.documentDelivery, 'upload')

    const unknown = await client
      .put(`/api/v1/delivery-integrations/${id}`)
      .bearerToken(secret)
      .json({ settings: { ...body.settings, document_delivery: 'fax' } })
    unknown.assertStatus(422)
    assert.deepEqual(unknown.body().errors[0], {
      code: unknown.body().errors[0].code,
      field: 'settings.document_delivery',
      message: 'Send the PDF either by link ("link") or by upload ("upload").',
    })
    await stored.refresh()
    assert.equal(stored.documentDelivery, 'upload', 'a refused update changes nothing')
  })

  test('PUT replaces the settings and keeps secrets that were not sent', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { secret } = await givenApiKey(org)
    const created = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(secret)
      .json(smtpBody(smtp.port))
    const id = created.body().id
    const before = await DeliveryIntegrationSecret.query().where('integration_id', id).firstOrFail()

    const updated = await client
      .put(`/api/v1/delivery-integrations/${id}`)
      .bearerToken(secret)
      .json({
        name: 'Renamed',
        settings: {
          host: '127.0.0.1',
          port: smtp.port,
          security: 'none',
          from_email: 'new@acme.example',
        },
      })
    updated.assertStatus(200)
    assert.equal(updated.body().name, 'Renamed')
    assert.equal(updated.body().sender, 'new@acme.example')
    assert.notProperty(updated.body().settings, 'username')
    const after = await DeliveryIntegrationSecret.query().where('integration_id', id).firstOrFail()
    assert.equal(after.ciphertext, before.ciphertext)

    const refused = await client
      .put(`/api/v1/delivery-integrations/${id}`)
      .bearerToken(secret)
      .json({
        settings: { host: '10.0.0.5', port: 25, security: 'none', from_email: 'a@acme.example' },
      })
    refused.assertStatus(422)
    assert.equal(refused.body().errors[0].code, 'E_HOST_NOT_ALLOWED')
  })

  test('another org’s integration is a 404, identical to an unknown id', async ({
    client,
    assert,
  }) => {
    const { org: orgA } = await givenOrg()
    const { org: orgB } = await givenOrg()
    const { secret: keyA } = await givenApiKey(orgA)
    const { secret: keyB } = await givenApiKey(orgB)
    const created = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(keyA)
      .json(smtpBody(smtp.port))
    const id = created.body().id
    const attempts = [
      client.get(`/api/v1/delivery-integrations/${id}`).bearerToken(keyB),
      client.put(`/api/v1/delivery-integrations/${id}`).bearerToken(keyB).json(smtpBody(smtp.port)),
      client
        .post(`/api/v1/delivery-integrations/${id}/test-message`)
        .bearerToken(keyB)
        .json({ to: 'a@b.example' }),
      client.get('/api/v1/delivery-integrations/not-a-uuid').bearerToken(keyA),
    ]
    for (const attempt of attempts) {
      const response = await attempt
      response.assertStatus(404)
      assert.equal(response.body().errors[0].code, 'E_NOT_FOUND')
    }
    const listB = await client.get('/api/v1/delivery-integrations').bearerToken(keyB)
    assert.equal(listB.body().meta.total, 0)
  })

  test('a test message through SMTP arrives at the server and is reported as succeeded', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'Acme Academy' })
    const { secret } = await givenApiKey(org)
    const created = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(secret)
      .json(smtpBody(smtp.port))
    const id = created.body().id
    const queued = await client
      .post(`/api/v1/delivery-integrations/${id}/test-message`)
      .bearerToken(secret)
      .json({ to: 'registrar@acme.example' })
    queued.assertStatus(202)
    const pending = await client.get(`/api/v1/delivery-integrations/${id}`).bearerToken(secret)
    assert.equal(pending.body().last_test.status, 'pending')

    const integration = await runTestMessages(id)
    assert.equal(integration.lastTestStatus, 'succeeded', integration.lastTestMessage ?? '')
    const [mail] = smtp.messagesTo('registrar@acme.example')
    assert.exists(mail)
    assert.equal(mail.envelope.from, 'certificates@acme.example')
    assert.include(mail.subject, 'Acme Academy')
    const shown = await client.get(`/api/v1/delivery-integrations/${id}`).bearerToken(secret)
    assert.equal(shown.body().last_test.status, 'succeeded')
    assert.include(shown.body().last_test.message, 'registrar@acme.example')
  })

  test('a wrong SMTP password is reported as an authentication failure', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { secret } = await givenApiKey(org)
    const created = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(secret)
      .json(smtpBody(smtp.port, { secrets: { password: 'wrong-password' } }))
    const id = created.body().id
    await client
      .post(`/api/v1/delivery-integrations/${id}/test-message`)
      .bearerToken(secret)
      .json({ to: 'registrar@acme.example' })
      .then((response) => response.assertStatus(202))
    const integration = await runTestMessages(id)
    assert.equal(integration.lastTestStatus, 'failed')
    assert.match(integration.lastTestMessage!, /^Authentication failed: .*535/)
    assert.lengthOf(smtp.messages(), 0)
    assert.notInclude(integration.lastTestMessage!, 'wrong-password')
  })

  test('a refused SMTP connection is reported in words', async ({ client, assert }) => {
    const { org } = await givenOrg()
    const { secret } = await givenApiKey(org)
    const closed = await startSmtpStandIn()
    const port = closed.port
    await closed.close()
    const created = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(secret)
      .json(smtpBody(port))
    await client
      .post(`/api/v1/delivery-integrations/${created.body().id}/test-message`)
      .bearerToken(secret)
      .json({ to: 'registrar@acme.example' })
    const integration = await runTestMessages(created.body().id)
    assert.equal(integration.lastTestStatus, 'failed')
    assert.match(integration.lastTestMessage!, /^Connection refused: .*127\.0\.0\.1:\d+/)
  })

  test('a WhatsApp test reaches the Cloud API with the template, and a bad token reads as Graph 190', async ({
    client,
    assert,
  }) => {
    const whatsapp = await startWhatsAppStandIn({
      accessToken: TOKEN_CANARY,
      // Approved with a DOCUMENT header, as every template deliveries send must be (integrations.md).
      templates: [
        { name: 'certificate_issued', language: 'en', header: 'document', bodyParameters: 2 },
      ],
    })
    try {
      const { org } = await givenOrg()
      const { secret } = await givenApiKey(org)
      const good = await client
        .post('/api/v1/delivery-integrations')
        .bearerToken(secret)
        .json(whatsappBody(whatsapp.url))
      good.assertStatus(201)
      assert.equal(good.body().sender, '+1 555 078 3881')
      await client
        .post(`/api/v1/delivery-integrations/${good.body().id}/test-message`)
        .bearerToken(secret)
        .json({ to: '+91 98765 43210' })
        .then((response) => response.assertStatus(202))
      const sent = await runTestMessages(good.body().id)
      assert.equal(sent.lastTestStatus, 'succeeded', sent.lastTestMessage ?? '')
      assert.lengthOf(whatsapp.sent, 1)
      assert.equal(whatsapp.sent[0].to, '919876543210')
      assert.equal(whatsapp.sent[0].template?.name, 'certificate_issued')
      assert.equal(whatsapp.sent[0].document?.id, whatsapp.mediaUploads[0].id)

      const bad = await client
        .post('/api/v1/delivery-integrations')
        .bearerToken(secret)
        .json(whatsappBody(whatsapp.url, 'expired-token'))
      await client
        .post(`/api/v1/delivery-integrations/${bad.body().id}/test-message`)
        .bearerToken(secret)
        .json({ to: '+91 98765 43210' })
      const refused = await runTestMessages(bad.body().id)
      assert.equal(refused.lastTestStatus, 'failed')
      assert.match(refused.lastTestMessage!, /access token was refused \(Graph error 190\)/)
      await whatsapp.idle()
    } finally {
      await whatsapp.close()
    }
  })

  test('a test message needs a recipient of the integration’s channel', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { secret } = await givenApiKey(org)
    const created = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(secret)
      .json(smtpBody(smtp.port))
    const response = await client
      .post(`/api/v1/delivery-integrations/${created.body().id}/test-message`)
      .bearerToken(secret)
      .json({ to: '+91 98765 43210' })
    response.assertStatus(422)
    assert.equal(response.body().errors[0].field, 'to')
  })

  test('a test email through Resend, Mailgun, Brevo and SendGrid uses each API; a refused key reads in words', async ({
    client,
    assert,
  }) => {
    const received: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = []
    const api = createServer((request, response) => {
      let body = ''
      request.on('data', (chunk) => (body += chunk))
      request.on('end', () => {
        received.push({ path: request.url ?? '', headers: request.headers, body })
        const auth = `${request.headers.authorization ?? ''} ${request.headers['api-key'] ?? ''}`
        const goodKey =
          auth.includes(PROVIDER_KEY) ||
          auth.includes(Buffer.from(`api:${PROVIDER_KEY}`).toString('base64'))
        response.writeHead(goodKey ? 200 : 401, { 'Content-Type': 'application/json' })
        response.end(
          JSON.stringify(goodKey ? { id: 'accepted-1' } : { message: 'API key is invalid' })
        )
      })
    })
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve))
    const baseUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`
    try {
      const { org } = await givenOrg({ name: 'Acme Academy' })
      const { secret } = await givenApiKey(org)
      const expected = {
        resend: { path: '/emails', auth: 'authorization' },
        mailgun: { path: '/v3/mg.acme.example/messages', auth: 'authorization' },
        brevo: { path: '/v3/smtp/email', auth: 'api-key' },
        sendgrid: { path: '/v3/mail/send', auth: 'authorization' },
      }
      for (const [provider, { path, auth }] of Object.entries(expected)) {
        received.length = 0
        const created = await client
          .post('/api/v1/delivery-integrations')
          .bearerToken(secret)
          .json({
            channel: 'email',
            provider,
            name: provider,
            settings: {
              base_url: baseUrl,
              domain: 'mg.acme.example',
              from_email: 'certificates@acme.example',
            },
            secrets: { api_key: PROVIDER_KEY },
          })
        created.assertStatus(201)
        await client
          .post(`/api/v1/delivery-integrations/${created.body().id}/test-message`)
          .bearerToken(secret)
          .json({ to: 'registrar@acme.example' })
          .then((response) => response.assertStatus(202))
        const sent = await runTestMessages(created.body().id)
        assert.equal(sent.lastTestStatus, 'succeeded', `${provider}: ${sent.lastTestMessage}`)
        assert.lengthOf(received, 1, provider)
        assert.equal(received[0].path, path)
        assert.exists(received[0].headers[auth], provider)
        const body = decodeURIComponent(received[0].body.replaceAll('+', ' '))
        assert.include(body, 'registrar@acme.example')
        assert.include(body, 'Acme Academy')

        await client
          .put(`/api/v1/delivery-integrations/${created.body().id}`)
          .bearerToken(secret)
          .json({
            settings: {
              base_url: baseUrl,
              domain: 'mg.acme.example',
              from_email: 'c@acme.example',
            },
            secrets: { api_key: 'revoked-key' },
          })
          .then((response) => response.assertStatus(200))
        await client
          .post(`/api/v1/delivery-integrations/${created.body().id}/test-message`)
          .bearerToken(secret)
          .json({ to: 'registrar@acme.example' })
        const refused = await runTestMessages(created.body().id)
        assert.equal(refused.lastTestStatus, 'failed')
        assert.match(
          refused.lastTestMessage!,
          /refused the API key \(HTTP 401\).*API key is invalid/
        )
      }
    } finally {
      await new Promise((resolve) => api.close(resolve))
    }
  })

  test('the host is checked again before a test send: no longer allowed, nothing is sent', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { secret } = await givenApiKey(org)
    const created = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(secret)
      .json(smtpBody(smtp.port))
    created.assertStatus(201)
    await client
      .post(`/api/v1/delivery-integrations/${created.body().id}/test-message`)
      .bearerToken(secret)
      .json({ to: 'registrar@acme.example' })
      .then((response) => response.assertStatus(202))
    // The platform takes 127.0.0.1 off its allow-list between the save and the send.
    const restore = allowOutbound('')
    try {
      const integration = await runTestMessages(created.body().id)
      assert.equal(integration.lastTestStatus, 'failed')
      assert.match(integration.lastTestMessage!, /127\.0\.0\.1/)
      assert.lengthOf(smtp.messages(), 0)
    } finally {
      restore()
    }
  })

  test('is_default moves the default to the new integration of the channel', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { secret } = await givenApiKey(org)
    const first = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(secret)
      .json(smtpBody(smtp.port))
    const second = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(secret)
      .json(smtpBody(smtp.port, { name: 'Second', is_default: true }))
    assert.isTrue(first.body().is_default)
    assert.isTrue(second.body().is_default)
    const shown = await client
      .get(`/api/v1/delivery-integrations/${first.body().id}`)
      .bearerToken(secret)
    assert.isFalse(shown.body().is_default)
  })
})
