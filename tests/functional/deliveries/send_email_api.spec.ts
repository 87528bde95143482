import { randomBytes } from 'node:crypto'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import { QueueWorker } from '#core/queue/worker'
import type Organization from '#orgs/models/organization'
import CreateDeliveryIntegration from '#deliveries/actions/create_delivery_integration'
import StartDelivery from '#deliveries/actions/start_delivery'
import Delivery from '#deliveries/models/delivery'
import DeliveryIntegration from '#deliveries/models/delivery_integration'
import DeliveryMessage from '#deliveries/models/delivery_message'
import type { EmailHttpProvider } from '#deliveries/services/providers'
import { givenOrg } from '#tests/helpers/given'
import { allowOutbound } from '#tests/helpers/deliveries'
import { givenIssuedJob, learners } from '#tests/helpers/delivery_jobs'
import DeliveryProviderWebhookEvent from '#deliveries/models/delivery_provider_webhook_event'
import DeliverySuppression from '#deliveries/models/delivery_suppression'
import { emailWebhookUrl } from '#deliveries/services/webhook_urls'
import {
  type EmailApiBehaviour,
  type EmailApiStandIn,
  startEmailApiStandIn,
} from '../../../stand_ins/email_apis.js'

const API_KEY = 'api-key-canary-5c2e'

/** The key each provider's webhook is checked with, as the org pastes it from the provider's dashboard. */
const WEBHOOK_KEYS = {
  resend: `whsec_${randomBytes(24).toString('base64')}`,
  mailgun: `mailgun-signing-key-${randomBytes(16).toString('hex')}`,
  brevo: `brevo-webhook-token-${'x'.repeat(24)}`,
}

/** What the org does in the provider's dashboard: point its webhook at the integration's address, with this key. */
function providerWebhookPointedAt(
  provider: EmailHttpProvider,
  integrationId: string,
  key: string
): Partial<EmailApiBehaviour> {
  const path = new URL(emailWebhookUrl(integrationId)).pathname
  const url = `http://${process.env.HOST}:${process.env.PORT}${path}`
  switch (provider) {
    case 'sendgrid':
      // SendGrid signs with its own private key; the org pastes the public half (the key here).
      return { sendgridWebhookUrl: url }
    case 'brevo':
      return { brevoWebhookUrl: url, brevoWebhookToken: key }
    case 'resend':
      return { resendWebhookUrl: url, resendWebhookSecret: key }
    case 'mailgun':
      return { mailgunWebhookUrl: url, mailgunWebhookSigningKey: key }
  }
}

async function givenApiIntegration(
  org: Organization,
  provider: EmailHttpProvider,
  baseUrl: string,
  apiKey = API_KEY,
  webhookKey?: string
) {
  const result = await CreateDeliveryIntegration.handle({
    org,
    actorUserId: null,
    channel: 'email',
    provider,
    name: `Our ${provider}`,
    settings: {
      base_url: baseUrl,
      from_email: 'certificates@acme.example',
      from_name: 'Acme Academy',
      ...(provider === 'mailgun' ? { domain: 'mg.acme.example' } : {}),
    },
    secrets: { api_key: apiKey, ...(webhookKey ? { webhook_signing_key: webhookKey } : {}) },
  })
  if (result.kind !== 'created') throw new Error(`not created: ${JSON.stringify(result)}`)
  return result.integration
}

async function sendAll(org: Organization, jobId: string) {
  const started = await StartDelivery.handle({
    org,
    job: jobId,
    channels: ['email'],
    audience: 'all',
    fallbackToEmail: false,
    actorUserId: null,
  })
  if (started.kind !== 'created') throw new Error(JSON.stringify(started))
  await QueueWorker.drain({ lanes: 1 })
  return Delivery.findOrFail(started.delivery.id)
}

test.group('Deliveries: email through a provider’s API', (group) => {
  let standIn: EmailApiStandIn
  group.setup(async () => {
    standIn = await startEmailApiStandIn({ apiKey: API_KEY })
    const undo = allowOutbound('127.0.0.1')
    return async () => {
      undo()
      await standIn.close()
    }
  })
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => {
    standIn.reset()
    return () =>
      standIn.configure({
        sendgridWebhookUrl: null,
        brevoWebhookUrl: null,
        resendWebhookUrl: null,
        mailgunWebhookUrl: null,
        bounceRecipients: [],
      })
  })

  for (const provider of ['resend', 'sendgrid', 'brevo', 'mailgun'] as const) {
    test(`${provider}: every recipient's mail carries their PDF, List-Unsubscribe and the idempotency key`, async ({
      assert,
    }) => {
      const { org } = await givenOrg()
      await givenApiIntegration(org, provider, standIn.url)
      const { job, certificates } = await givenIssuedJob(org, learners(2))
      const delivery = await sendAll(org, job.id)
      assert.equal(delivery.status, 'completed')
      const mails = standIn.messages()
      assert.lengthOf(mails, 2)
      const messages = await DeliveryMessage.query().where('delivery_id', delivery.id)
      for (const certificate of certificates) {
        const mail = mails.find((m) => m.to.includes(certificate.recipientEmail!))!
        assert.exists(mail)
        assert.equal(mail.provider, provider)
        assert.lengthOf(mail.attachments, 1)
        assert.equal(mail.attachments[0].sha256, certificate.sha256)
        const unsubscribe = Object.entries(mail.headers).find(
          ([name]) => name.toLowerCase() === 'list-unsubscribe'
        )
        assert.match(unsubscribe?.[1] ?? '', /\/deliveries\/unsubscribe\//)
        const message = messages.find((m) => m.toEmail === certificate.recipientEmail)!
        assert.equal(message.status, 'sent')
        assert.isNotNull(message.providerMessageId)
        if (provider === 'resend' || provider === 'brevo')
          assert.equal(mail.idempotencyKey, message.idempotencyKey)
      }
    })
  }

  test('a refused API key pauses the integration and keeps the messages queued', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenApiIntegration(org, 'resend', standIn.url, 'wrong-key')
    const { job } = await givenIssuedJob(org, learners(2))
    const delivery = await sendAll(org, job.id)
    assert.equal(delivery.status, 'sending')
    const paused = await DeliveryIntegration.findOrFail(integration.id)
    assert.isNotNull(paused.pausedAt)
    assert.include(paused.pauseReason!, 'API key')
    const messages = await DeliveryMessage.query().where('delivery_id', delivery.id)
    assert.isTrue(messages.every((m) => m.status === 'queued'))
    assert.lengthOf(standIn.messages(), 0)
  })

  // Posts per two mails (one delivered, one bounced): SendGrid one array a mail, Brevo and Resend
  // two events a mail, Mailgun one a recipient. Events stored: two a mail but Mailgun's one.
  const POSTS = { sendgrid: 2, brevo: 4, resend: 4, mailgun: 2 }
  const EVENTS = { sendgrid: 4, brevo: 4, resend: 4, mailgun: 2 }
  for (const provider of ['sendgrid', 'brevo', 'resend', 'mailgun'] as const) {
    test(`${provider}: the provider's own signed webhooks bring one mail to delivered and fail and suppress the one that bounced`, async ({
      assert,
    }) => {
      const { org } = await givenOrg()
      const key = provider === 'sendgrid' ? standIn.sendgridVerificationKey : WEBHOOK_KEYS[provider]
      const integration = await givenApiIntegration(org, provider, standIn.url, API_KEY, key)
      standIn.configure({
        ...providerWebhookPointedAt(provider, integration.id, key),
        bounceRecipients: ['learner2@example.com'],
      })
      const { job } = await givenIssuedJob(org, learners(2))
      const delivery = await sendAll(org, job.id)
      await standIn.webhooksSettled()

      const posted = standIn.webhooksPosted()
      assert.lengthOf(posted, POSTS[provider])
      assert.isTrue(
        posted.every((post) => post.provider === provider && post.responseStatus === 200)
      )
      const messages = await DeliveryMessage.query()
        .where('delivery_id', delivery.id)
        .orderBy('to_email')
      assert.deepEqual(
        messages.map((m) => [m.toEmail, m.status]),
        [
          ['learner1@example.com', 'delivered'],
          ['learner2@example.com', 'failed'],
        ]
      )
      assert.match(messages[1].errorCode!, new RegExp(`^${provider}_bounce`))
      const suppressed = await DeliverySuppression.query().where('organization_id', org.id)
      assert.deepEqual(
        suppressed.map((row) => [row.address, row.reason, row.messageId]),
        [['learner2@example.com', 'hard_bounce', messages[1].id]]
      )
      const events = await DeliveryProviderWebhookEvent.query().where(
        'integration_id',
        integration.id
      )
      assert.lengthOf(events, EVENTS[provider])
      assert.isTrue(events.every((event) => event.appliedAt !== null))
      assert.sameMembers(
        events.map((event) => event.messageId),
        messages.flatMap((m) => Array(EVENTS[provider] / 2).fill(m.id))
      )
    }).timeout(60_000)
  }

  for (const provider of ['resend', 'mailgun'] as const) {
    test(`${provider}: webhooks signed with another key are refused 401, each try, and change nothing`, async ({
      assert,
    }) => {
      const { org } = await givenOrg()
      const integration = await givenApiIntegration(
        org,
        provider,
        standIn.url,
        API_KEY,
        WEBHOOK_KEYS[provider]
      )
      const otherKey =
        provider === 'resend'
          ? `whsec_${randomBytes(24).toString('base64')}`
          : `mailgun-signing-key-${randomBytes(16).toString('hex')}`
      standIn.configure({
        ...providerWebhookPointedAt(provider, integration.id, otherKey),
        bounceRecipients: ['learner2@example.com'],
      })
      const { job } = await givenIssuedJob(org, learners(2))
      const delivery = await sendAll(org, job.id)
      await standIn.webhooksSettled()

      // Every event tried three times, each refused.
      const posted = standIn.webhooksPosted()
      assert.lengthOf(posted, POSTS[provider] * 3)
      assert.isTrue(posted.every((post) => post.responseStatus === 401))
      const messages = await DeliveryMessage.query().where('delivery_id', delivery.id)
      assert.deepEqual(
        messages.map((m) => m.status),
        ['sent', 'sent']
      )
      assert.lengthOf(await DeliverySuppression.query().where('organization_id', org.id), 0)
      assert.lengthOf(
        await DeliveryProviderWebhookEvent.query().where('integration_id', integration.id),
        0
      )
    }).timeout(60_000)
  }
})
