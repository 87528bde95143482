import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import RecordEmailProviderEvents from '#deliveries/actions/record_email_provider_events'
import CreateDeliveryIntegration from '#deliveries/actions/create_delivery_integration'
import DeliveryMessage from '#deliveries/models/delivery_message'
import DeliveryProviderWebhookEvent from '#deliveries/models/delivery_provider_webhook_event'
import DeliverySuppression from '#deliveries/models/delivery_suppression'
import type Organization from '#orgs/models/organization'
import { givenOrg } from '#tests/helpers/given'
import { givenDeliveryMessages } from '#tests/helpers/whatsapp_webhooks'

async function givenEmailApiIntegration(org: Organization, provider: 'resend' | 'mailgun') {
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
  extra: Record<string, unknown> = {}
) {
  return {
    type,
    created_at: '2026-03-15T10:00:05.000Z',
    data: {
      created_at: '2026-03-15T10:00:00.000Z',
      email_id: emailId,
      from: 'Acme Academy <certificates@acme.example>',
      to: [to],
      subject: 'Your certificate',
      ...extra,
    },
  }
}

/** Mailgun's event as it posts it (webhooks, "event-data"). */
function mailgunEvent(
  event: string,
  messageId: string,
  recipient: string,
  extra: Record<string, unknown> = {}
) {
  return {
    'signature': { timestamp: '1773568805', token: 'token', signature: 'checked-by-the-route' },
    'event-data': {
      event,
      id: `evt-${event}-${messageId}`,
      timestamp: 1773568805.25,
      recipient,
      message: { headers: { 'message-id': messageId } },
      ...extra,
    },
  }
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
        bounce: {
          message: "The recipient's email provider sent a hard bounce message.",
          subType: 'General',
          type: 'Permanent',
        },
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
        bounce: { message: 'Mailbox full', subType: 'MailboxFull', type: 'Transient' },
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
          'severity': 'permanent',
          'reason': 'bounce',
          'delivery-status': { code: 550, message: '5.1.1 The email account does not exist' },
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
        {
          bounce: { message: 'no such user', subType: 'General', type: 'Permanent' },
        }
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
})
