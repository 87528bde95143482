import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import RecordEmailProviderEvents, {
  applyWaitingEmailEventsOf,
} from '#deliveries/actions/record_email_provider_events'
import CreateDeliveryIntegration from '#deliveries/actions/create_delivery_integration'
import DeliveryMessage from '#deliveries/models/delivery_message'
import DeliveryProviderWebhookEvent from '#deliveries/models/delivery_provider_webhook_event'
import DeliverySuppression from '#deliveries/models/delivery_suppression'
import type Organization from '#orgs/models/organization'
import { givenOrg } from '#tests/helpers/given'
import { givenDeliveryMessages } from '#tests/helpers/whatsapp_webhooks'
import {
  brevoEvent,
  mailgunEvent as mailgunEventData,
  resendEvent as resendEventOf,
  sendgridEvent,
  signMailgunWebhook,
} from '../../../stand_ins/email_apis.js'

async function givenEmailApiIntegration(
  org: Organization,
  provider: 'resend' | 'mailgun' | 'sendgrid' | 'brevo'
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
    secrets: { api_key: 'provider-api-key' },
  })
  if (result.kind !== 'created') throw new Error(JSON.stringify(result))
  return result.integration
}

/** Resend's event as it posts it (https://resend.com/docs/dashboard/webhooks/event-types). */
function resendEvent(
  type: string,
  emailId: string,
  to: string,
  bounce?: Parameters<typeof resendEventOf>[0]['bounce']
) {
  return resendEventOf({
    type,
    emailId,
    from: 'Acme Academy <certificates@acme.example>',
    to: [to],
    subject: 'Your certificate',
    at: new Date('2026-03-15T10:00:05.000Z'),
    sentAt: new Date('2026-03-15T10:00:00.000Z'),
    bounce,
  })
}

/** Mailgun's event as it posts it (webhooks, "event-data"); its signature is the route's to check. */
function mailgunEvent(
  event: string,
  messageId: string,
  recipient: string,
  extra: Partial<Parameters<typeof mailgunEventData>[0]> = {}
) {
  return signMailgunWebhook(
    mailgunEventData({
      event,
      messageId,
      recipient,
      at: new Date(1773568805250),
      eventId: `evt-${event}-${messageId}`,
      ...extra,
    }),
    'mailgun-signing-key',
    1773568805
  )
}

test.group('Email provider events (bounces, complaints)', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a Resend hard bounce fails the message and suppresses the address; replayed, nothing changes', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenEmailApiIntegration(org, 'resend')
    const {
      messages: [bounced, delivered],
    } = await givenDeliveryMessages(org, integration.id, {
      count: 2,
      channel: 'email',
      provider: 'resend',
      status: 'sent',
    })
    const bounce = resendEvent(
      'email.bounced',
      bounced.providerMessageId!,
      'Learner1@Example.com',
      {
        message: "The recipient's email provider sent a hard bounce message.",
        subType: 'General',
        type: 'Permanent',
      }
    )
    for (let i = 0; i < 3; i++) {
      await RecordEmailProviderEvents.handle({ integration, provider: 'resend', payload: bounce })
    }
    await RecordEmailProviderEvents.handle({
      integration,
      provider: 'resend',
      payload: resendEvent('email.delivered', delivered.providerMessageId!, 'learner2@example.com'),
    })

    await bounced.refresh()
    assert.equal(bounced.status, 'failed')
    assert.equal(bounced.errorCode, 'resend_bounce_Permanent/General')
    assert.match(bounced.errorMessage!, /refused learner1@example\.com for good/)
    await delivered.refresh()
    assert.equal(delivered.status, 'delivered')
    assert.equal(delivered.deliveredAt!.toUTC().toISO(), '2026-03-15T10:00:05.000Z')

    const suppressions = await DeliverySuppression.query().where('organization_id', org.id)
    assert.lengthOf(suppressions, 1)
    assert.equal(suppressions[0].address, 'learner1@example.com')
    assert.equal(suppressions[0].reason, 'hard_bounce')
    assert.equal(suppressions[0].messageId, bounced.id)
    const events = await DeliveryProviderWebhookEvent.query().where(
      'integration_id',
      integration.id
    )
    assert.sameMembers(
      events.map((event) => event.eventType),
      ['bounced', 'delivered']
    )
    assert.isTrue(events.every((event) => event.channel === 'email' && event.provider === 'resend'))
  })

  test('a soft bounce is only stored; a complaint suppresses without failing a delivered message', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenEmailApiIntegration(org, 'resend')
    const {
      messages: [message],
    } = await givenDeliveryMessages(org, integration.id, {
      channel: 'email',
      provider: 'resend',
      status: 'delivered',
    })
    await RecordEmailProviderEvents.handle({
      integration,
      provider: 'resend',
      payload: resendEvent('email.bounced', message.providerMessageId!, 'learner1@example.com', {
        message: 'Mailbox full',
        subType: 'MailboxFull',
        type: 'Transient',
      }),
    })
    assert.lengthOf(await DeliverySuppression.query().where('organization_id', org.id), 0)
    await RecordEmailProviderEvents.handle({
      integration,
      provider: 'resend',
      payload: resendEvent('email.complained', message.providerMessageId!, 'learner1@example.com'),
    })
    await message.refresh()
    assert.equal(message.status, 'delivered')
    const [suppression] = await DeliverySuppression.query().where('organization_id', org.id)
    assert.equal(suppression.reason, 'complaint')
  })

  test('Mailgun: a permanent failure matched by Message-Id (with or without brackets) fails and suppresses; unsubscribes suppress', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenEmailApiIntegration(org, 'mailgun')
    const {
      messages: [message, other],
    } = await givenDeliveryMessages(org, integration.id, {
      count: 2,
      channel: 'email',
      provider: 'mailgun',
      status: 'sent',
    })
    // Mailgun answers a send with "<id@domain>"; its webhooks name the bare id.
    message.providerMessageId = '<20260315100000.1.abc@mg.acme.example>'
    await message.save()
    await RecordEmailProviderEvents.handle({
      integration,
      provider: 'mailgun',
      payload: mailgunEvent(
        'failed',
        '20260315100000.1.abc@mg.acme.example',
        'learner1@example.com',
        {
          severity: 'permanent',
          reason: 'bounce',
          deliveryStatus: {
            code: 550,
            message: '5.1.1 The email account does not exist',
            description: '',
          },
        }
      ),
    })
    await message.refresh()
    assert.equal(message.status, 'failed')
    assert.equal(message.errorCode, 'mailgun_bounce_550')
    assert.match(message.errorMessage!, /5\.1\.1 The email account does not exist/)

    await RecordEmailProviderEvents.handle({
      integration,
      provider: 'mailgun',
      payload: mailgunEvent('unsubscribed', other.providerMessageId!, 'learner2@example.com'),
    })
    const reasons = await DeliverySuppression.query()
      .where('organization_id', org.id)
      .orderBy('address')
    const mailgunEvents = await DeliveryProviderWebhookEvent.query().where(
      'integration_id',
      integration.id
    )
    assert.sameMembers(
      mailgunEvents.map((event) => event.eventType),
      ['bounced', 'unsubscribed']
    )
    assert.deepEqual(
      reasons.map((row) => [row.address, row.reason]),
      [
        ['learner1@example.com', 'hard_bounce'],
        ['learner2@example.com', 'unsubscribe'],
      ]
    )
    await other.refresh()
    assert.equal(other.status, 'sent')
  })

  test('an event never touches another integration’s message, but the org’s suppression still applies', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { org: otherOrg } = await givenOrg({ name: 'Other' })
    const mine = await givenEmailApiIntegration(org, 'resend')
    const theirs = await givenEmailApiIntegration(otherOrg, 'resend')
    const {
      messages: [theirMessage],
    } = await givenDeliveryMessages(otherOrg, theirs.id, {
      channel: 'email',
      provider: 'resend',
      status: 'sent',
    })
    await RecordEmailProviderEvents.handle({
      integration: mine,
      provider: 'resend',
      payload: resendEvent(
        'email.bounced',
        theirMessage.providerMessageId!,
        'learner1@example.com',
        { message: 'no such user', subType: 'General', type: 'Permanent' }
      ),
    })
    await theirMessage.refresh()
    assert.equal(theirMessage.status, 'sent')
    assert.lengthOf(await DeliverySuppression.query().where('organization_id', otherOrg.id), 0)
    const [suppression] = await DeliverySuppression.query().where('organization_id', org.id)
    assert.isNull(suppression.messageId)
    const failed = await DeliveryMessage.query().where('status', 'failed')
    assert.lengthOf(failed, 0)
  })

  test('SendGrid: a batch is matched by the X-Message-Id before the first dot; bounce fails and suppresses, blocked and dropped fail, spam reports and unsubscribes suppress, the rest is stored; a replay stores nothing', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenEmailApiIntegration(org, 'sendgrid')
    const { messages } = await givenDeliveryMessages(org, integration.id, {
      count: 6,
      channel: 'email',
      provider: 'sendgrid',
      status: 'sent',
    })
    const [bounced, delivered, blocked, dropped, complained, unsubscribed] = messages
    for (const message of messages) {
      message.providerMessageId = `SG${message.id.replaceAll('-', '').slice(0, 20)}`
      await message.save()
    }
    const at = 1773568805
    const event = (
      message: (typeof messages)[number],
      name: string,
      extra: Parameters<typeof sendgridEvent>[0] extends infer T ? Partial<T> : never = {}
    ) =>
      sendgridEvent({
        event: name,
        email: message.toEmail!,
        messageId: message.providerMessageId!,
        timestamp: at,
        eventId: `${name}-${message.id}`,
        ...extra,
      })
    const batch = [
      event(bounced, 'processed'),
      event(bounced, 'bounce', {
        type: 'bounce',
        status: '5.1.1',
        reason: '550 5.1.1 The email account that you tried to reach does not exist.',
      }),
      event(delivered, 'delivered', { extra: { some_new_field: { nested: true } } }),
      event(delivered, 'open', { extra: { useragent: 'Mozilla/5.0', ip: '203.0.113.9' } }),
      event(delivered, 'click', { extra: { url: 'https://example.com/v/x' } }),
      event(blocked, 'deferred', { reason: '421 try again later', extra: { attempt: '1' } }),
      event(blocked, 'bounce', { type: 'blocked', status: '5.7.1', reason: '554 5.7.1 blocked' }),
      event(dropped, 'dropped', { reason: 'Unsubscribed Address' }),
      event(complained, 'spamreport'),
      event(unsubscribed, 'group_unsubscribe', { extra: { asm_group_id: 42 } }),
      { event: 'a_future_event', sg_event_id: 'future-1' },
      'not an event',
    ]
    const first = await RecordEmailProviderEvents.handle({
      integration,
      provider: 'sendgrid',
      payload: batch,
    })
    assert.deepEqual(first, { stored: 11, duplicates: 0, moved: 4, suppressed: 4 })
    for (let i = 0; i < 3; i++) {
      const again = await RecordEmailProviderEvents.handle({
        integration,
        provider: 'sendgrid',
        payload: batch,
      })
      assert.deepEqual(again, { stored: 0, duplicates: 11, moved: 0, suppressed: 0 })
    }

    for (const message of messages) await message.refresh()
    assert.equal(bounced.status, 'failed')
    assert.equal(bounced.errorCode, 'sendgrid_bounce_5.1.1')
    assert.match(bounced.errorMessage!, /reported by SendGrid\): 550 5\.1\.1/)
    assert.equal(delivered.status, 'delivered')
    assert.equal(delivered.deliveredAt!.toUTC().toSeconds(), at)
    assert.equal(blocked.status, 'failed')
    assert.equal(blocked.errorCode, 'sendgrid_blocked')
    assert.equal(dropped.status, 'failed')
    assert.equal(dropped.errorCode, 'sendgrid_dropped')
    assert.match(dropped.errorMessage!, /Unsubscribed Address/)
    assert.equal(complained.status, 'sent')
    assert.equal(unsubscribed.status, 'sent')

    const suppressions = await DeliverySuppression.query()
      .where('organization_id', org.id)
      .orderBy('address')
    assert.deepEqual(
      suppressions.map((row) => [row.address, row.reason, row.messageId]),
      [
        [bounced.toEmail, 'hard_bounce', bounced.id],
        [dropped.toEmail, 'unsubscribe', dropped.id],
        [complained.toEmail, 'complaint', complained.id],
        [unsubscribed.toEmail, 'unsubscribe', unsubscribed.id],
      ]
    )
    const stored = await DeliveryProviderWebhookEvent.query().where(
      'integration_id',
      integration.id
    )
    assert.sameMembers(
      stored.map((row) => row.eventType),
      [
        'processed',
        'bounced',
        'delivered',
        'opened',
        'clicked',
        'deferred',
        'blocked',
        'dropped',
        'complained',
        'unsubscribed',
        'a_future_event',
      ]
    )
    const open = stored.find((row) => row.eventType === 'opened')!
    assert.equal(open.messageId, delivered.id)
    assert.deepEqual(open.payload, batch[3])
  })

  test('Brevo: hard_bounce and invalid_email fail and suppress, spam and unsubscribed suppress, blocked fails, soft bounces and opens are stored; matched with or without brackets; a replay stores nothing', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenEmailApiIntegration(org, 'brevo')
    const { messages } = await givenDeliveryMessages(org, integration.id, {
      count: 6,
      channel: 'email',
      provider: 'brevo',
      status: 'sent',
    })
    const [bounced, delivered, invalid, blocked, spam, unsubscribed] = messages
    for (const message of messages) {
      message.providerMessageId = `<2026031510.${message.id.slice(0, 8)}@smtp-relay.mailin.fr>`
      await message.save()
    }
    const at = new Date('2026-03-15T10:00:05.000Z')
    const post = (payload: unknown) =>
      RecordEmailProviderEvents.handle({ integration, provider: 'brevo', payload })
    const event = (
      message: (typeof messages)[number],
      name: string,
      extra: { reason?: string; extra?: Record<string, unknown>; bare?: boolean } = {}
    ) =>
      brevoEvent({
        event: name,
        email: message.toEmail!,
        messageId: extra.bare
          ? message.providerMessageId!.replace(/^<|>$/g, '')
          : message.providerMessageId!,
        at,
        reason: extra.reason,
        extra: extra.extra,
      })
    const bounce = event(bounced, 'hard_bounce', { reason: '550 5.1.1 user unknown', bare: true })
    for (let i = 0; i < 3; i++) await post(bounce)
    await post(event(delivered, 'request'))
    await post(event(delivered, 'delivered', { extra: { brand_new: 'field' } }))
    await post(event(delivered, 'soft_bounce', { reason: 'mailbox full' }))
    await post(event(delivered, 'unique_opened'))
    await post(event(delivered, 'click', { extra: { link: 'https://example.com/a' } }))
    await post(event(delivered, 'click', { extra: { link: 'https://example.com/b' } }))
    // Brevo's batched webhook posts an array.
    await post([
      event(invalid, 'invalid_email'),
      event(blocked, 'blocked', { reason: 'blocked : due to blacklist user' }),
      event(spam, 'spam'),
      event(unsubscribed, 'unsubscribed'),
    ])

    for (const message of messages) await message.refresh()
    assert.equal(bounced.status, 'failed')
    assert.match(bounced.errorMessage!, /reported by Brevo\): 550 5\.1\.1 user unknown/)
    assert.equal(delivered.status, 'delivered')
    assert.equal(delivered.deliveredAt!.toUTC().toISO(), '2026-03-15T10:00:05.000Z')
    assert.equal(invalid.status, 'failed')
    assert.equal(invalid.errorCode, 'brevo_bounce_invalid_email')
    assert.equal(blocked.status, 'failed')
    assert.equal(blocked.errorCode, 'brevo_blocked')
    assert.equal(spam.status, 'sent')
    assert.equal(unsubscribed.status, 'sent')
    const suppressions = await DeliverySuppression.query()
      .where('organization_id', org.id)
      .orderBy('address')
    assert.deepEqual(
      suppressions.map((row) => [row.address, row.reason]),
      [
        [bounced.toEmail, 'hard_bounce'],
        [invalid.toEmail, 'hard_bounce'],
        [spam.toEmail, 'complaint'],
        [unsubscribed.toEmail, 'unsubscribe'],
      ]
    )
    const stored = await DeliveryProviderWebhookEvent.query().where(
      'integration_id',
      integration.id
    )
    assert.sameMembers(
      stored.map((row) => row.eventType),
      [
        'bounced',
        'sent',
        'delivered',
        'soft_bounced',
        'opened',
        'clicked',
        'clicked',
        'bounced',
        'blocked',
        'complained',
        'unsubscribed',
      ]
    )
  })

  test('SendGrid and Brevo events naming another integration’s message leave it alone', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { org: otherOrg } = await givenOrg({ name: 'Other' })
    const elsewhere = {
      sendgrid: await givenEmailApiIntegration(otherOrg, 'sendgrid'),
      // The same org's other Brevo integration: its messages are not this webhook's either.
      brevo: await givenEmailApiIntegration(org, 'brevo'),
    }
    for (const provider of ['sendgrid', 'brevo'] as const) {
      const mine = await givenEmailApiIntegration(org, provider)
      const owner = provider === 'sendgrid' ? otherOrg : org
      const {
        messages: [message],
      } = await givenDeliveryMessages(owner, elsewhere[provider].id, {
        channel: 'email',
        provider,
        status: 'sent',
      })
      const payload =
        provider === 'sendgrid'
          ? [
              sendgridEvent({
                event: 'bounce',
                email: message.toEmail!,
                messageId: message.providerMessageId!,
              }),
            ]
          : brevoEvent({
              event: 'hard_bounce',
              email: message.toEmail!,
              messageId: message.providerMessageId!,
            })
      const recorded = await RecordEmailProviderEvents.handle({
        integration: mine,
        provider,
        payload,
      })
      assert.include(recorded, { stored: 1, moved: 0 })
      await message.refresh()
      assert.equal(message.status, 'sent')
    }
    assert.lengthOf(await DeliverySuppression.query().where('organization_id', otherOrg.id), 0)
  }).timeout(60_000)

  test('an event that came before the send’s answer was stored applies when the worker stores the id', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenEmailApiIntegration(org, 'sendgrid')
    const {
      messages: [message],
    } = await givenDeliveryMessages(org, integration.id, {
      channel: 'email',
      provider: 'sendgrid',
      status: 'sending',
      withWamid: false,
    })
    const recorded = await RecordEmailProviderEvents.handle({
      integration,
      provider: 'sendgrid',
      payload: [
        sendgridEvent({ event: 'bounce', email: message.toEmail!, messageId: 'SGfastwebhook01' }),
      ],
    })
    assert.include(recorded, { stored: 1, moved: 0, suppressed: 1 })
    const [waiting] = await DeliveryProviderWebhookEvent.query().where(
      'integration_id',
      integration.id
    )
    assert.isNull(waiting.appliedAt)

    message.providerMessageId = 'SGfastwebhook01'
    await message.save()
    const moved = await db.transaction((trx) => applyWaitingEmailEventsOf([message], trx))
    assert.equal(moved, 1)
    await message.refresh()
    assert.equal(message.status, 'failed')
    await waiting.refresh()
    assert.equal(waiting.messageId, message.id)
    assert.isNotNull(waiting.appliedAt)
    const [suppression] = await DeliverySuppression.query().where('organization_id', org.id)
    assert.equal(suppression.messageId, message.id)
  })
})
