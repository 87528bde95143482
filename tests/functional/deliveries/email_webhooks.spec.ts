import { createHmac, randomBytes } from 'node:crypto'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import CreateDeliveryIntegration from '#deliveries/actions/create_delivery_integration'
import DeliveryProviderWebhookEvent from '#deliveries/models/delivery_provider_webhook_event'
import DeliverySuppression from '#deliveries/models/delivery_suppression'
import type Organization from '#orgs/models/organization'
import { actingAs, givenOrg } from '#tests/helpers/given'
import { givenDeliveryMessages } from '#tests/helpers/whatsapp_webhooks'
import { givenProbeIntegration } from '#tests/helpers/deliveries'
import { givenApiKey } from '#tests/helpers/api_keys'
import {
  brevoEvent,
  sendgridEvent,
  sendgridKeyPair,
  signSendgridWebhook,
} from '../../../stand_ins/email_apis.js'

const RESEND_KEY = `whsec_${randomBytes(24).toString('base64')}`
const MAILGUN_KEY = 'mailgun-webhook-signing-key-3c9e'
const SENDGRID = sendgridKeyPair()
const BREVO_TOKEN = `brevo-${randomBytes(24).toString('base64url')}`

async function givenIntegration(
  org: Organization,
  provider: 'resend' | 'mailgun' | 'sendgrid' | 'brevo',
  signingKey?: string
) {
  const result = await CreateDeliveryIntegration.handle({
    org,
    actorUserId: null,
    channel: 'email',
    provider,
    name: `Acme ${provider}`,
    settings: {
      from_email: 'certificates@acme.example',
      ...(provider === 'mailgun' ? { domain: 'mg.acme.example' } : {}),
    },
    secrets: {
      api_key: 'provider-api-key',
      ...(signingKey ? { webhook_signing_key: signingKey } : {}),
    },
  })
  if (result.kind !== 'created') throw new Error(JSON.stringify(result))
  return result.integration
}

/** Signed as Resend (Svix, Standard Webhooks) signs: v1,<base64 HMAC of "id.timestamp.body">. */
function resendHeaders(raw: string, key = RESEND_KEY) {
  const id = `msg_${randomBytes(8).toString('hex')}`
  const timestamp = String(Math.floor(Date.now() / 1000))
  const signature = createHmac('sha256', Buffer.from(key.slice(6), 'base64'))
    .update(`${id}.${timestamp}.${raw}`)
    .digest('base64')
  return { 'svix-id': id, 'svix-timestamp': timestamp, 'svix-signature': `v1,${signature}` }
}

function bounce(emailId: string, to: string) {
  return {
    type: 'email.bounced',
    created_at: new Date().toISOString(),
    data: {
      email_id: emailId,
      from: 'Acme <certificates@acme.example>',
      to: [to],
      subject: 'Your certificate',
      bounce: { type: 'Permanent', subType: 'General', message: 'hard bounce' },
    },
  }
}

test.group('Email provider webhooks: POST /webhooks/email/:integration_id', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('Resend: a signed bounce fails the message and suppresses the address; a bad or missing signature stores nothing', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenIntegration(org, 'resend', RESEND_KEY)
    const {
      messages: [message],
    } = await givenDeliveryMessages(org, integration.id, {
      channel: 'email',
      provider: 'resend',
      status: 'sent',
    })
    const raw = JSON.stringify(bounce(message.providerMessageId!, 'learner1@example.com'))

    const forged = await client
      .post(`/webhooks/email/${integration.id}`)
      .headers(resendHeaders(raw, `whsec_${randomBytes(24).toString('base64')}`))
      .json(JSON.parse(raw))
    forged.assertStatus(401)
    const unsigned = await client.post(`/webhooks/email/${integration.id}`).json(JSON.parse(raw))
    unsigned.assertStatus(401)
    assert.lengthOf(
      await DeliveryProviderWebhookEvent.query().where('integration_id', integration.id),
      0
    )

    const signed = await client
      .post(`/webhooks/email/${integration.id}`)
      .headers(resendHeaders(raw))
      .json(JSON.parse(raw))
    signed.assertStatus(200)
    assert.include(signed.body(), { stored: 1, suppressed: 1 })
    await message.refresh()
    assert.equal(message.status, 'failed')
    const suppressed = await DeliverySuppression.query().where('organization_id', org.id)
    assert.deepEqual(
      suppressed.map((s) => [s.address, s.reason]),
      [['learner1@example.com', 'hard_bounce']]
    )
  })

  test('Mailgun: the HMAC of timestamp and token with the signing key; an integration without a key refuses; unknown ids 404', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenIntegration(org, 'mailgun', MAILGUN_KEY)
    const keyless = await givenIntegration(org, 'resend')
    const timestamp = String(Math.floor(Date.now() / 1000))
    const token = randomBytes(16).toString('hex')
    const event = (signature: string) => ({
      'signature': { timestamp, token, signature },
      'event-data': {
        event: 'complained',
        id: `evt-${token}`,
        timestamp: Number(timestamp),
        recipient: 'asha@example.in',
        message: { headers: { 'message-id': 'unknown@mg.acme.example' } },
      },
    })
    const good = createHmac('sha256', MAILGUN_KEY)
      .update(timestamp + token)
      .digest('hex')
    const wrong = createHmac('sha256', 'another key')
      .update(timestamp + token)
      .digest('hex')

    const forged = await client.post(`/webhooks/email/${integration.id}`).json(event(wrong))
    forged.assertStatus(401)
    const accepted = await client.post(`/webhooks/email/${integration.id}`).json(event(good))
    accepted.assertStatus(200)
    const suppressed = await DeliverySuppression.query().where('organization_id', org.id)
    assert.deepEqual(
      suppressed.map((s) => [s.address, s.reason]),
      [['asha@example.in', 'complaint']]
    )

    const noKey = await client.post(`/webhooks/email/${keyless.id}`).json(event(good))
    noKey.assertStatus(401)
    assert.equal(noKey.body().errors[0].code, 'E_NO_SIGNING_KEY')
    const unknown = await client
      .post(`/webhooks/email/00000000-0000-4000-8000-000000000000`)
      .json(event(good))
    unknown.assertStatus(404)
  })

  test('the integration page shows where to point the provider’s webhook (not for SMTP)', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const resend = await givenIntegration(org, 'resend', RESEND_KEY)
    const page = await actingAs(client.get(`/settings/delivery/${resend.id}/edit`), owner, org)
    page.assertStatus(200)
    assert.include(page.text(), `/webhooks/email/${resend.id}`)
    assert.include(page.text(), 'signing key')
    assert.notInclude(page.text(), RESEND_KEY)

    const smtp = await givenProbeIntegration(org)
    const smtpPage = await actingAs(client.get(`/settings/delivery/${smtp.id}/edit`), owner, org)
    smtpPage.assertStatus(200)
    assert.notInclude(smtpPage.text(), '/webhooks/')
  })

  test('SendGrid: a batch signed with the verification key is stored once however often it is posted; a forged, tampered, stale or unsigned post stores nothing', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenIntegration(org, 'sendgrid', SENDGRID.verificationKey)
    const {
      messages: [bounced, delivered],
    } = await givenDeliveryMessages(org, integration.id, {
      count: 2,
      channel: 'email',
      provider: 'sendgrid',
      status: 'sent',
    })
    const url = `/webhooks/email/${integration.id}`
    const raw = JSON.stringify([
      sendgridEvent({
        event: 'processed',
        email: bounced.toEmail!,
        messageId: bounced.providerMessageId!,
      }),
      sendgridEvent({
        event: 'bounce',
        type: 'bounce',
        email: bounced.toEmail!,
        messageId: bounced.providerMessageId!,
        status: '5.1.1',
        reason: '550 5.1.1 no such user',
      }),
      sendgridEvent({
        event: 'delivered',
        email: delivered.toEmail!,
        messageId: delivered.providerMessageId!,
        extra: { marketing_campaign_id: 7, pool: { name: 'ip-pool', id: 1 } },
      }),
    ])
    const post = (headers: Record<string, string>, body = raw) =>
      // The client writes JSON.stringify of the parsed body: the same bytes as `raw`.
      client.post(url).headers(headers).json(JSON.parse(body))

    const forged = await post(signSendgridWebhook(raw, sendgridKeyPair().privateKey))
    forged.assertStatus(401)
    assert.equal(forged.body().errors[0].code, 'E_BAD_SIGNATURE')
    const tampered = await post(
      signSendgridWebhook(raw, SENDGRID.privateKey),
      raw.replace('no such user', 'no such user!')
    )
    tampered.assertStatus(401)
    const stale = await post(
      signSendgridWebhook(raw, SENDGRID.privateKey, Math.floor(Date.now() / 1000) - 26 * 3600)
    )
    stale.assertStatus(401)
    const unsigned = await post({})
    unsigned.assertStatus(401)
    assert.lengthOf(
      await DeliveryProviderWebhookEvent.query().where('integration_id', integration.id),
      0
    )

    const first = await post(signSendgridWebhook(raw, SENDGRID.privateKey))
    first.assertStatus(200)
    assert.deepEqual(first.body(), { stored: 3, duplicates: 0, moved: 2, suppressed: 1 })
    for (let i = 0; i < 3; i++) {
      // SendGrid signs every retry afresh; the events are the same.
      const again = await post(
        signSendgridWebhook(raw, SENDGRID.privateKey, Math.floor(Date.now() / 1000) - i)
      )
      again.assertStatus(200)
      assert.deepEqual(again.body(), { stored: 0, duplicates: 3, moved: 0, suppressed: 0 })
    }
    assert.lengthOf(
      await DeliveryProviderWebhookEvent.query().where('integration_id', integration.id),
      3
    )
    await bounced.refresh()
    await delivered.refresh()
    assert.equal(bounced.status, 'failed')
    assert.equal(delivered.status, 'delivered')
    const suppressed = await DeliverySuppression.query().where('organization_id', org.id)
    assert.deepEqual(
      suppressed.map((row) => [row.address, row.reason]),
      [[bounced.toEmail, 'hard_bounce']]
    )

    const notBatch = JSON.stringify({ event: 'delivered' })
    const single = await post(signSendgridWebhook(notBatch, SENDGRID.privateKey), notBatch)
    single.assertStatus(400)
    assert.equal(single.body().errors[0].code, 'E_BAD_EVENTS')
  })

  test('Brevo: only a post carrying the integration’s token as a bearer token is stored; a hard bounce fails and suppresses', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenIntegration(org, 'brevo', BREVO_TOKEN)
    const {
      messages: [message],
    } = await givenDeliveryMessages(org, integration.id, {
      channel: 'email',
      provider: 'brevo',
      status: 'sent',
    })
    const url = `/webhooks/email/${integration.id}`
    const event = brevoEvent({
      event: 'hard_bounce',
      email: message.toEmail!,
      messageId: message.providerMessageId!,
      reason: '550 5.1.1 user unknown',
      extra: { 'X-Mailin-custom': 'x', 'something_new': [1, 2] },
    })

    const none = await client.post(url).json(event)
    none.assertStatus(401)
    assert.equal(none.body().errors[0].code, 'E_BAD_TOKEN')
    const wrong = await client.post(url).bearerToken(`${BREVO_TOKEN}x`).json(event)
    wrong.assertStatus(401)
    const basic = await client
      .post(url)
      .header('authorization', `Basic ${Buffer.from(`u:${BREVO_TOKEN}`).toString('base64')}`)
      .json(event)
    basic.assertStatus(401)
    assert.lengthOf(
      await DeliveryProviderWebhookEvent.query().where('integration_id', integration.id),
      0
    )

    for (let i = 0; i < 3; i++) {
      const accepted = await client.post(url).bearerToken(BREVO_TOKEN).json(event)
      accepted.assertStatus(200)
      assert.include(accepted.body(), i === 0 ? { stored: 1, moved: 1 } : { duplicates: 1 })
    }
    await message.refresh()
    assert.equal(message.status, 'failed')
    assert.match(message.errorMessage!, /Brevo/)
    const [suppression] = await DeliverySuppression.query().where('organization_id', org.id)
    assert.equal(suppression.reason, 'hard_bounce')
    assert.lengthOf(
      await DeliveryProviderWebhookEvent.query().where('integration_id', integration.id),
      1
    )
  })

  test('SendGrid’s and Brevo’s pages say where to point the webhook and how it is checked, never showing the key; a bad key (SendGrid, Brevo, Resend) is refused at save', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const sendgrid = await givenIntegration(org, 'sendgrid', SENDGRID.verificationKey)
    const brevo = await givenIntegration(org, 'brevo', BREVO_TOKEN)
    const sendgridPage = await actingAs(
      client.get(`/settings/delivery/${sendgrid.id}/edit`),
      owner,
      org
    )
    sendgridPage.assertStatus(200)
    assert.include(sendgridPage.text(), `/webhooks/email/${sendgrid.id}`)
    assert.include(sendgridPage.text(), 'Signed Event Webhook')
    assert.include(sendgridPage.text(), 'Webhook verification key')
    assert.notInclude(sendgridPage.text(), SENDGRID.verificationKey)
    const brevoPage = await actingAs(client.get(`/settings/delivery/${brevo.id}/edit`), owner, org)
    brevoPage.assertStatus(200)
    assert.include(brevoPage.text(), `/webhooks/email/${brevo.id}`)
    assert.include(brevoPage.text(), 'bearer token')
    assert.include(brevoPage.text(), 'Webhook token')
    assert.notInclude(brevoPage.text(), BREVO_TOKEN)

    const { secret } = await givenApiKey(org)
    const body = (provider: string, key: string) => ({
      channel: 'email',
      provider,
      name: `Our ${provider}`,
      settings: { from_email: 'certificates@acme.example' },
      secrets: { api_key: 'key', webhook_signing_key: key },
    })
    const notAKey = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(secret)
      .json(body('sendgrid', 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE'))
    notAKey.assertStatus(422)
    assert.equal(notAKey.body().errors[0].field, 'secrets.webhook_signing_key')
    assert.include(notAKey.body().errors[0].message, 'Signed Event Webhook')
    const short = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(secret)
      .json(body('brevo', 'short-token'))
    short.assertStatus(422)
    assert.equal(short.body().errors[0].field, 'secrets.webhook_signing_key')
    // Resend's secret pasted without its whsec_ prefix: every event would fail its signature.
    const bare = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(secret)
      .json(body('resend', RESEND_KEY.slice('whsec_'.length)))
    bare.assertStatus(422)
    assert.equal(bare.body().errors[0].field, 'secrets.webhook_signing_key')
    assert.include(bare.body().errors[0].message, 'whsec_')
    const resend = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(secret)
      .json(body('resend', RESEND_KEY))
    resend.assertStatus(201)
    const good = await client
      .post('/api/v1/delivery-integrations')
      .bearerToken(secret)
      .json(body('sendgrid', SENDGRID.verificationKey))
    good.assertStatus(201)
  })
})
