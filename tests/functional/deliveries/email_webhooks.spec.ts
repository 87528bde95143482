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

const RESEND_KEY = `whsec_${randomBytes(24).toString('base64')}`
const MAILGUN_KEY = 'mailgun-webhook-signing-key-3c9e'

async function givenIntegration(
  org: Organization,
  provider: 'resend' | 'mailgun',
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
})
