import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import testUtils from '@adonisjs/core/services/test_utils'
import { applyWaitingWhatsappStatuses } from '#deliveries/actions/record_whatsapp_statuses'
import DeliveryMessage from '#deliveries/models/delivery_message'
import DeliveryProviderWebhookEvent from '#deliveries/models/delivery_provider_webhook_event'
import { movesTo, type MessageStatus } from '#deliveries/services/delivery_status'
import { whatsappWebhookUrl } from '#deliveries/services/webhook_urls'
import { givenOrg } from '#tests/helpers/given'
import { givenProbeIntegration } from '#tests/helpers/deliveries'
import { removeOrgData } from '#tests/helpers/certificates_cleanup'
import {
  PHONE_NUMBER_ID,
  WABA_ID,
  givenWhatsappIntegration,
  givenWhatsappMessages,
  hubSignature256,
  notification,
} from '#tests/helpers/whatsapp_webhooks'

const APP_SECRET = 'webhook-app-secret'
const VERIFY_TOKEN = 'webhook-verify-token'
const base = () => `http://${process.env.HOST}:${process.env.PORT}`

/** POSTs a notification's exact bytes, signed with `secret` (or with the header given). */
async function post(
  integrationId: string,
  body: unknown,
  options: { secret?: string; signature?: string | null } = {}
) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body)
  const signature =
    options.signature === undefined
      ? hubSignature256(raw, options.secret ?? APP_SECRET)
      : options.signature
  const response = await fetch(`${base()}/webhooks/whatsapp/${integrationId}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(signature === null ? {} : { 'X-Hub-Signature-256': signature }),
    },
    body: raw,
  })
  const text = await response.text()
  return { status: response.status, text, headers: response.headers }
}

/** The GET Meta makes, at the path the integration page shows (`whatsappWebhookUrl`). */
function handshake(integrationId: string, query: Record<string, string>) {
  const path = new URL(whatsappWebhookUrl(integrationId)).pathname
  return fetch(`${base()}${path}?${new URLSearchParams(query).toString()}`)
}

const eventsOf = (integrationId: string) =>
  DeliveryProviderWebhookEvent.query().where('integration_id', integrationId).orderBy('received_at')

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items]
  return items.flatMap((item, at) =>
    permutations([...items.slice(0, at), ...items.slice(at + 1)]).map((rest) => [item, ...rest])
  )
}

const UNDELIVERABLE = {
  code: 131026,
  title: 'Message undeliverable',
  details: 'Message Undeliverable.',
}

test.group('WhatsApp webhooks', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('the handshake echoes the challenge as text only for the integration’s verify token', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenWhatsappIntegration(org)
    const right = await handshake(integration.id, {
      'hub.mode': 'subscribe',
      'hub.verify_token': VERIFY_TOKEN,
      'hub.challenge': '1158201444',
    })
    assert.equal(right.status, 200)
    assert.match(right.headers.get('content-type')!, /^text\/plain/)
    assert.equal(await right.text(), '1158201444')
    assert.isNull(right.headers.get('set-cookie'))
    assert.equal(right.headers.get('x-content-type-options'), 'nosniff')

    const reflected = await handshake(integration.id, {
      'hub.mode': 'subscribe',
      'hub.verify_token': VERIFY_TOKEN,
      'hub.challenge': '<script>alert(1)</script>',
    })
    assert.equal(reflected.status, 400)
    assert.notInclude(await reflected.text(), '<script>')

    for (const query of <Record<string, string>[]>[
      { 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1' },
      { 'hub.mode': 'subscribe', 'hub.verify_token': `${VERIFY_TOKEN}x`, 'hub.challenge': '1' },
      { 'hub.mode': 'unsubscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1' },
      { 'hub.challenge': '1' },
    ]) {
      const wrong = await handshake(integration.id, query)
      assert.equal(wrong.status, 403, JSON.stringify(query))
      assert.notInclude(await wrong.text(), '1')
    }
  })

  test('an unknown, malformed, removed or non-WhatsApp integration id is a 404', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const smtp = await givenProbeIntegration(org)
    const removed = await givenWhatsappIntegration(org)
    await removed.merge({ deletedAt: removed.createdAt }).save()
    await db.from('delivery_integration_secrets').where('integration_id', removed.id).delete()
    for (const id of [randomUUID(), 'not-a-uuid', smtp.id, removed.id]) {
      const verify = await handshake(id, {
        'hub.mode': 'subscribe',
        'hub.verify_token': VERIFY_TOKEN,
        'hub.challenge': '1',
      })
      assert.equal(verify.status, 404, id)
      const posted = await post(id, notification([{ wamid: 'wamid.x', status: 'sent' }]))
      assert.equal(posted.status, 404, id)
    }
  })

  test('a bad or missing signature is a 401 and stores nothing', async ({ assert }) => {
    const { org } = await givenOrg()
    const integration = await givenWhatsappIntegration(org)
    const {
      messages: [message],
    } = await givenWhatsappMessages(org, integration.id)
    const body = notification([{ wamid: message.providerMessageId!, status: 'delivered' }])
    const raw = JSON.stringify(body)
    const attempts = [
      await post(integration.id, body, { signature: null }),
      await post(integration.id, body, { secret: 'another-app-secret' }),
      await post(integration.id, body, { signature: 'sha256=' + '0'.repeat(64) }),
      await post(integration.id, body, { signature: hubSignature256(raw, APP_SECRET).slice(7) }),
      // Signed over other bytes: the same JSON with a space added.
      await post(integration.id, raw + ' ', { signature: hubSignature256(raw, APP_SECRET) }),
    ]
    for (const attempt of attempts) {
      assert.equal(attempt.status, 401)
      assert.include(attempt.text, 'E_BAD_SIGNATURE')
    }
    assert.lengthOf(await eventsOf(integration.id), 0)
    await message.refresh()
    assert.equal(message.status, 'sending')
  })

  test('one notification replayed 100 times is stored once and moves the message once', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenWhatsappIntegration(org)
    const {
      messages: [message],
    } = await givenWhatsappMessages(org, integration.id)
    const body = notification([
      { wamid: message.providerMessageId!, status: 'delivered', second: 7 },
    ])
    const answers: string[] = []
    for (let i = 0; i < 100; i++) {
      const answer = await post(integration.id, body)
      assert.equal(answer.status, 200)
      answers.push(answer.text)
    }
    assert.deepEqual(JSON.parse(answers[0]), { received: 1, stored: 1, duplicates: 0 })
    assert.deepEqual(JSON.parse(answers[99]), { received: 1, stored: 0, duplicates: 1 })

    const events = await eventsOf(integration.id)
    assert.lengthOf(events, 1)
    assert.equal(events[0].messageId, message.id)
    assert.equal(events[0].eventType, 'delivered')
    assert.equal(events[0].organizationId, org.id)
    assert.isNotNull(events[0].appliedAt)
    assert.equal(events[0].occurredAt!.toUTC().toISO(), '2026-03-15T10:00:07.000Z')
    assert.equal((events[0].payload as any).status.id, message.providerMessageId)

    await message.refresh()
    assert.equal(message.status, 'delivered')
    assert.equal(message.deliveredAt!.toUTC().toISO(), '2026-03-15T10:00:07.000Z')
    // Delivered implies sent, even when the sent notification never came.
    assert.equal(message.sentAt!.toUTC().toISO(), '2026-03-15T10:00:07.000Z')
  })

  test('every order of sent, delivered, read and failed ends where the status rules say', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenWhatsappIntegration(org)
    const orders = permutations<'sent' | 'delivered' | 'read' | 'failed'>([
      'sent',
      'delivered',
      'read',
      'failed',
    ])
    const { messages } = await givenWhatsappMessages(org, integration.id, { count: orders.length })
    for (const [index, order] of orders.entries()) {
      for (const [second, status] of order.entries()) {
        const answer = await post(
          integration.id,
          notification([
            {
              wamid: messages[index].providerMessageId!,
              status,
              second,
              error: status === 'failed' ? UNDELIVERABLE : undefined,
            },
          ])
        )
        assert.equal(answer.status, 200)
      }
    }
    for (const [index, order] of orders.entries()) {
      const expected = order.reduce<MessageStatus>(
        (current, next) => (movesTo(current, next) ? next : current),
        'sending'
      )
      const message = await DeliveryMessage.findOrFail(messages[index].id)
      assert.equal(message.status, expected, order.join(' → '))
      if (expected === 'failed') {
        assert.equal(message.errorCode, '131026')
        assert.match(message.errorMessage!, /\+919876543210 cannot receive WhatsApp messages/)
        assert.isNotNull(message.failedAt)
      } else {
        assert.isNull(message.errorCode, order.join(' → '))
        assert.isNull(message.failedAt, order.join(' → '))
      }
    }
    assert.lengthOf(await eventsOf(integration.id), orders.length * 4)
  })

  test('a batch of several entries, changes and statuses applies each status to its message', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenWhatsappIntegration(org)
    const { messages } = await givenWhatsappMessages(org, integration.id, { count: 3 })
    const [a, b, c] = messages.map((message) => message.providerMessageId!)
    const first = notification([
      { wamid: a, status: 'sent', second: 1 },
      { wamid: b, status: 'sent', second: 1 },
      { wamid: a, status: 'read', second: 3 },
    ]) as any
    const second = notification([
      { wamid: b, status: 'delivered', second: 2 },
      { wamid: c, status: 'failed', second: 2, error: UNDELIVERABLE },
    ]) as any
    // Two entries (Meta batches per WABA), the second with two changes.
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        first.entry[0],
        { id: WABA_ID, changes: [second.entry[0].changes[0], second.entry[0].changes[0]] },
      ],
    }
    const answer = await post(integration.id, body)
    assert.equal(answer.status, 200)
    // The repeated change's two statuses are duplicates of the first copy.
    assert.deepEqual(JSON.parse(answer.text), { received: 7, stored: 5, duplicates: 2 })
    const statuses = await DeliveryMessage.query()
      .whereIn(
        'id',
        messages.map((message) => message.id)
      )
      .select('id', 'status')
    const byId = Object.fromEntries(statuses.map((message) => [message.id, message.status]))
    assert.deepEqual(
      messages.map((message) => byId[message.id]),
      ['read', 'delivered', 'failed']
    )
    assert.lengthOf(await eventsOf(integration.id), 5)
  })

  test('unknown fields are tolerated; other statuses and incoming messages change nothing', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenWhatsappIntegration(org)
    const {
      messages: [message],
    } = await givenWhatsappMessages(org, integration.id)
    const wamid = message.providerMessageId!
    const extra = await post(
      integration.id,
      notification([{ wamid, status: 'sent', second: 1 }], { extraFields: true })
    )
    assert.equal(extra.status, 200)
    await message.refresh()
    assert.equal(message.status, 'sent')

    const deleted = notification([{ wamid, status: 'read', second: 2 }]) as any
    deleted.entry[0].changes[0].value.statuses[0].status = 'deleted'
    const other = await post(integration.id, deleted)
    assert.equal(other.status, 200)

    const incoming = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: WABA_ID,
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
                contacts: [{ profile: { name: 'Asha \u202eoaR' }, wa_id: '919876543210' }],
                messages: [
                  {
                    from: '919876543210',
                    id: 'wamid.incoming',
                    timestamp: '1773568800',
                    type: 'text',
                    text: { body: 'Thank you \u202e!' },
                  },
                ],
              },
            },
          ],
        },
      ],
    }
    const reply = await post(integration.id, incoming)
    assert.equal(reply.status, 200)
    assert.deepEqual(JSON.parse(reply.text), { received: 0, stored: 0, duplicates: 0 })
    const notWhatsapp = await post(integration.id, { object: 'page', entry: 'x' })
    assert.equal(notWhatsapp.status, 200)
    // Refused by the body parser (422) or by us (400): either way nothing is stored.
    const garbled = await post(integration.id, 'not json')
    assert.oneOf(garbled.status, [400, 422])

    await message.refresh()
    assert.equal(message.status, 'sent')
    const events = await eventsOf(integration.id)
    assert.deepEqual(events.map((event) => event.eventType).sort(), ['deleted', 'sent'])
  })

  test('a notification on integration A never moves a message sent through B, by wamid or callback data', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { org: otherOrg } = await givenOrg({ name: 'Other Org' })
    const a = await givenWhatsappIntegration(org)
    const b = await givenWhatsappIntegration(otherOrg, { appSecret: 'b-app-secret' })
    const sameOrg = await givenWhatsappIntegration(org, { appSecret: 'c-app-secret' })
    const {
      messages: [ofB],
    } = await givenWhatsappMessages(otherOrg, b.id)
    const {
      messages: [ofSameOrg],
    } = await givenWhatsappMessages(org, sameOrg.id)
    for (const target of [ofB, ofSameOrg]) {
      const answer = await post(
        a.id,
        notification([
          { wamid: target.providerMessageId!, status: 'read', second: 1 },
          {
            wamid: 'wamid.unknown',
            status: 'failed',
            callbackData: target.id,
            error: UNDELIVERABLE,
          },
        ])
      )
      assert.equal(answer.status, 200)
      await target.refresh()
      assert.equal(target.status, 'sending')
    }
    const events = await eventsOf(a.id)
    assert.lengthOf(events, 3)
    assert.isTrue(events.every((event) => event.messageId === null && event.appliedAt === null))
    assert.isTrue(events.every((event) => event.organizationId === org.id))
    // B's own URL, with B's secret, does move it.
    const own = await post(
      b.id,
      notification([{ wamid: ofB.providerMessageId!, status: 'read', second: 1 }]),
      { secret: 'b-app-secret' }
    )
    assert.equal(own.status, 200)
    await ofB.refresh()
    assert.equal(ofB.status, 'read')
  })

  test("two numbers under one Meta app share its callback URL: a status of the other number moves that integration's message; another app's number is never reached", async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const second = '106540352242999'
    const otherApp = '106540352243000'
    const a = await givenWhatsappIntegration(org)
    // The same app (same app secret), another number: Meta posts its statuses to the app's one URL, A's.
    const b = await givenWhatsappIntegration(org, { phoneNumberId: second })
    // Another app of the same org: its statuses never come signed with A's app secret.
    const c = await givenWhatsappIntegration(org, {
      phoneNumberId: otherApp,
      appSecret: 'c-app-secret',
    })
    const {
      messages: [ofB],
    } = await givenWhatsappMessages(org, b.id)
    const {
      messages: [ofC],
    } = await givenWhatsappMessages(org, c.id)

    const answer = await post(
      a.id,
      notification([{ wamid: ofB.providerMessageId!, status: 'read', second: 1 }], {
        phoneNumberId: second,
      })
    )
    assert.equal(answer.status, 200)
    await ofB.refresh()
    assert.equal(ofB.status, 'read')
    const [event] = await eventsOf(b.id)
    assert.equal(event.messageId, ofB.id, "stored as B's, applied to its message")
    assert.lengthOf(await eventsOf(a.id), 0)

    await post(
      a.id,
      notification([{ wamid: ofC.providerMessageId!, status: 'read', second: 1 }], {
        phoneNumberId: otherApp,
      })
    )
    await ofC.refresh()
    assert.equal(ofC.status, 'sending')
    const kept = await eventsOf(a.id)
    assert.lengthOf(kept, 1)
    assert.isNull(kept[0].messageId)
    assert.lengthOf(await eventsOf(c.id), 0)
  })

  test('a status that overtakes the stored wamid matches by callback data, or waits and is applied once the wamid is stored', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenWhatsappIntegration(org)
    const {
      messages: [byCallback, waiting],
    } = await givenWhatsappMessages(org, integration.id, { count: 2, withWamid: false })

    await post(
      integration.id,
      notification([{ wamid: 'wamid.first', status: 'delivered', callbackData: byCallback.id }])
    )
    await byCallback.refresh()
    assert.equal(byCallback.status, 'delivered')

    await post(integration.id, notification([{ wamid: 'wamid.second', status: 'read', second: 4 }]))
    await waiting.refresh()
    assert.equal(waiting.status, 'sending')
    const [stored] = await DeliveryProviderWebhookEvent.query().where(
      'provider_message_id',
      'wamid.second'
    )
    assert.isNull(stored.messageId)

    // The send worker stores the wamid, then applies what waited for it, in its transaction.
    const moved = await db.transaction(async (trx) => {
      waiting.useTransaction(trx)
      waiting.merge({ providerMessageId: 'wamid.second', status: 'sent' })
      await waiting.save()
      return applyWaitingWhatsappStatuses(waiting, trx)
    })
    assert.equal(moved, 1)
    assert.equal(await applyWaitingWhatsappStatuses(waiting), 0)
    await waiting.refresh()
    assert.equal(waiting.status, 'read')
    assert.equal(waiting.readAt!.toUTC().toISO(), '2026-03-15T10:00:04.000Z')
    await stored.refresh()
    assert.equal(stored.messageId, waiting.id)
  })
})

test.group('WhatsApp webhooks, committed and concurrent', (group) => {
  const orgs: string[] = []
  group.each.teardown(async () => {
    for (const orgId of orgs.splice(0)) {
      await db.from('delivery_provider_webhook_events').where('organization_id', orgId).delete()
      await db.from('deliveries').where('organization_id', orgId).delete()
      const integrations = db.from('delivery_integrations').where('organization_id', orgId)
      await db
        .from('delivery_integration_secrets')
        .whereIn('integration_id', integrations.clone().select('id'))
        .delete()
      await integrations.delete()
      await removeOrgData(orgId)
    }
  })

  test('the same notification posted 100 times at once is stored once and moves the message once', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    orgs.push(org.id)
    const integration = await givenWhatsappIntegration(org)
    const {
      messages: [message],
    } = await givenWhatsappMessages(org, integration.id)
    const body = notification([
      { wamid: message.providerMessageId!, status: 'read', second: 9 },
      { wamid: message.providerMessageId!, status: 'delivered', second: 8 },
    ])
    const answers = await Promise.all(Array.from({ length: 100 }, () => post(integration.id, body)))
    assert.isTrue(answers.every((answer) => answer.status === 200))
    const stored = answers.reduce((sum, answer) => sum + JSON.parse(answer.text).stored, 0)
    assert.equal(stored, 2)

    const events = await eventsOf(integration.id)
    assert.lengthOf(events, 2)
    assert.isTrue(events.every((event) => event.messageId === message.id && event.appliedAt))
    await message.refresh()
    assert.equal(message.status, 'read')
    assert.equal(message.readAt!.toUTC().toISO(), '2026-03-15T10:00:09.000Z')
  })
})
