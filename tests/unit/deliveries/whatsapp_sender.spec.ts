import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import DeliveryIntegration from '#deliveries/models/delivery_integration'
import DeliveryMessage from '#deliveries/models/delivery_message'
import type { OutgoingMessage } from '#deliveries/services/message_senders'
import {
  classifyGraphAnswer,
  documentFilename,
  sendWhatsapp,
  templateText,
} from '#deliveries/services/whatsapp_sender'
import {
  type WhatsAppStandInOptions,
  startWhatsAppStandIn,
} from '../../../stand_ins/whatsapp_cloud_api.js'

const TOKEN = 'sender-test-token'
const PHONE_NUMBER_ID = '106540352242922'

/** A message and its integration as the send worker hands them over (rows not needed: the sender only reads them). */
function outgoingTo(
  baseUrl: string,
  overrides: { toPhone?: string | null; token?: string; variables?: Record<string, string> } = {}
): OutgoingMessage {
  const integration = new DeliveryIntegration().merge({
    id: randomUUID(),
    organizationId: randomUUID(),
    channel: 'whatsapp',
    provider: 'whatsapp_cloud',
    displayName: 'Acme WhatsApp',
    isActive: true,
    isDefault: true,
    whatsappPhoneNumberId: PHONE_NUMBER_ID,
    whatsappWabaId: '102290129340398',
    whatsappPhoneNumber: '15550783881',
    config: {
      api_base_url: baseUrl,
      api_version: 'v21.0',
      template_name: 'certificate_issued',
      template_language: 'en',
      body_parameters: ['recipient_name', 'course_name', 'recipient_page_url'],
    },
  })
  const message = new DeliveryMessage().merge({
    id: randomUUID(),
    channel: 'whatsapp',
    status: 'sending',
    toPhone: overrides.toPhone === undefined ? '+91 98765-43210' : overrides.toPhone,
    provider: 'whatsapp_cloud',
    integrationId: integration.id,
  })
  return {
    message,
    integration,
    secrets: { access_token: overrides.token ?? TOKEN },
    addresses: ['127.0.0.1'],
    orgName: 'Acme Academy',
    recipientName: 'Asha Rao',
    recipientPageUrl: 'https://certs.example.org/r/abc',
    certificates: [
      {
        id: randomUUID(),
        certificateNumber: 'ACME/2026/0001',
        title: 'Data Science',
        fileId: null,
        storageKey: null,
        baseFileId: null,
        sizeBytes: null,
        sha256: null,
        verificationUrl: 'https://certs.example.org/v/xyz',
        downloadUrl: 'https://certs.example.org/d/signed.pdf',
      },
    ],
    variables: overrides.variables ?? {
      recipient_name: 'Asha Rao',
      course_name: 'Data\nScience     101',
      recipient_page_url: 'https://certs.example.org/r/abc',
    },
    unsubscribeUrl: null,
  }
}

async function givenStandIn(
  cleanup: (fn: () => Promise<void>) => void,
  options: WhatsAppStandInOptions = {}
) {
  const standIn = await startWhatsAppStandIn({
    accessToken: TOKEN,
    phoneNumberIds: [PHONE_NUMBER_ID],
    fetchDocuments: false,
    templates: [
      { name: 'certificate_issued', language: 'en', header: 'document', bodyParameters: 3 },
    ],
    ...options,
  })
  cleanup(() => standIn.close())
  return standIn
}

test.group('WhatsApp sender', () => {
  test('a template with the first certificate as its document header is accepted with the wamid', async ({
    assert,
    cleanup,
  }) => {
    const standIn = await givenStandIn(cleanup)
    const outgoing = outgoingTo(standIn.url)
    const outcome = await sendWhatsapp(outgoing)

    assert.equal(outcome.outcome, 'accepted')
    assert.lengthOf(standIn.sent, 1)
    const sent = standIn.sent[0]
    assert.equal(outcome.outcome === 'accepted' && outcome.providerMessageId, sent.wamid)
    assert.equal(sent.to, '919876543210')
    assert.equal(sent.callbackData, outgoing.message.id)
    assert.deepEqual(sent.document, {
      link: 'https://certs.example.org/d/signed.pdf',
      id: undefined,
      filename: 'ACME-2026-0001.pdf',
    })
    const body = sent.template!.components.find((c: any) => c.type === 'body') as any
    assert.deepEqual(
      body.parameters.map((p: any) => p.text),
      ['Asha Rao', 'Data Science 101', 'https://certs.example.org/r/abc']
    )
  })

  test('131026 is permanent with the code and a plain reason; 132001 too', async ({
    assert,
    cleanup,
  }) => {
    const standIn = await givenStandIn(cleanup)
    // The stand-in accepts undeliverable numbers and fails them by webhook, as Meta does;
    // the synchronous 131026 comes from the classification of a Graph answer.
    const answer = classifyGraphAnswer(
      {
        status: 400,
        headers: {},
        body: { error: { code: 131026, message: '(#131026) Message undeliverable' } },
      },
      { to: '919876543210', config: outgoingConfig(), phoneNumberId: PHONE_NUMBER_ID }
    )
    assert.deepInclude(answer, { outcome: 'permanent', code: '131026' })
    assert.match((answer as any).reason, /\+919876543210 cannot receive WhatsApp messages/)

    standIn.configure({
      templates: [{ name: 'other', language: 'en', header: 'document', bodyParameters: 3 }],
    })
    const refused = await sendWhatsapp(outgoingTo(standIn.url))
    assert.deepInclude(refused, { outcome: 'permanent', code: '132001' })
    assert.match((refused as any).reason, /“certificate_issued” in language en does not exist/)
  })

  test('130429 above the rate is transient and carries Retry-After', async ({
    assert,
    cleanup,
  }) => {
    const standIn = await givenStandIn(cleanup, { ratePerSecond: 0, retryAfterSeconds: 7 })
    const outcome = await sendWhatsapp(outgoingTo(standIn.url))
    assert.deepInclude(outcome, { outcome: 'transient', code: '130429', retryAfterMs: 7000 })
    assert.match((outcome as any).reason, /limiting how fast/)
  })

  test('a 503 from Meta is transient, then the next send goes', async ({ assert, cleanup }) => {
    const standIn = await givenStandIn(cleanup, { serverErrors: 1 })
    const first = await sendWhatsapp(outgoingTo(standIn.url))
    assert.deepInclude(first, { outcome: 'transient', code: '2' })
    const second = await sendWhatsapp(outgoingTo(standIn.url))
    assert.equal(second.outcome, 'accepted')
  })

  test('account errors 131031, 131042, 368 and an expired token (190) are account-level', async ({
    assert,
    cleanup,
  }) => {
    const standIn = await givenStandIn(cleanup)
    for (const code of [131031, 131042, 368, 190] as const) {
      standIn.configure({ accountError: code })
      const outcome = await sendWhatsapp(outgoingTo(standIn.url))
      assert.deepInclude(outcome, { outcome: 'account', code: String(code) }, String(code))
      assert.match((outcome as any).reason, /paused|new access token/i)
    }
    standIn.configure({ accountError: null })
    const wrongToken = await sendWhatsapp(outgoingTo(standIn.url, { token: 'nope' }))
    assert.deepInclude(wrongToken, { outcome: 'account', code: '190' })
    const lifted = await sendWhatsapp(outgoingTo(standIn.url))
    assert.equal(lifted.outcome, 'accepted')
  })

  test('a refused connection is transient, naming the origin', async ({ assert }) => {
    const outcome = await sendWhatsapp(outgoingTo('http://127.0.0.1:9'))
    assert.deepInclude(outcome, { outcome: 'transient', code: 'ECONNREFUSED' })
    assert.match((outcome as any).reason, /http:\/\/127\.0\.0\.1:9/)
  })

  test('no phone number or an empty template variable fails before anything is sent', async ({
    assert,
    cleanup,
  }) => {
    const standIn = await givenStandIn(cleanup)
    const noPhone = await sendWhatsapp(outgoingTo(standIn.url, { toPhone: null }))
    assert.deepInclude(noPhone, { outcome: 'permanent', code: 'E_NO_ADDRESS' })
    const noCourse = await sendWhatsapp(
      outgoingTo(standIn.url, { variables: { recipient_name: 'Asha', course_name: ' ' } })
    )
    assert.deepInclude(noCourse, { outcome: 'permanent', code: 'E_TEMPLATE_VARIABLE' })
    assert.match((noCourse as any).reason, /parameter 2 is filled from “course_name”/)
    assert.lengthOf(standIn.sent, 0)
  })

  test('a 200 without a message id is taken (known by its idempotency key); a plain 429 and 5xx are retried', ({
    assert,
  }) => {
    const context = {
      to: '1',
      config: outgoingConfig(),
      phoneNumberId: PHONE_NUMBER_ID,
      idempotencyKey: 'key-1',
    }
    assert.deepEqual(classifyGraphAnswer({ status: 200, headers: {}, body: {} }, context), {
      outcome: 'accepted',
      providerMessageId: 'whatsapp_cloud:key-1',
    })
    assert.deepInclude(
      classifyGraphAnswer({ status: 429, headers: { 'retry-after': '3' }, body: '' }, context),
      { outcome: 'transient', code: 'http_429', retryAfterMs: 3000 }
    )
    assert.deepInclude(
      classifyGraphAnswer({ status: 429, headers: { 'retry-after': '86400' }, body: '' }, context),
      { retryAfterMs: 3_600_000 }
    )
    assert.deepInclude(classifyGraphAnswer({ status: 502, headers: {}, body: 'x' }, context), {
      outcome: 'transient',
      code: 'http_502',
    })
    assert.deepInclude(
      classifyGraphAnswer({ status: 400, headers: {}, body: { error: { code: 132015 } } }, context),
      { outcome: 'permanent', code: '132015' }
    )
    assert.deepInclude(
      classifyGraphAnswer({ status: 400, headers: {}, body: { error: { code: 131056 } } }, context),
      { outcome: 'transient', code: '131056', retryAfterMs: 60_000 }
    )
  })

  test('every error code of the reference is classified as the issue says, with its code in the reason', ({
    assert,
  }) => {
    const context = { to: '919876543210', config: outgoingConfig(), phoneNumberId: PHONE_NUMBER_ID }
    const expected: Record<number, 'transient' | 'permanent' | 'account'> = {
      130429: 'transient',
      131056: 'transient',
      131026: 'permanent',
      131047: 'permanent',
      131049: 'permanent',
      131052: 'permanent',
      131053: 'permanent',
      132000: 'permanent',
      132001: 'permanent',
      132012: 'permanent',
      132015: 'permanent',
      132016: 'permanent',
      131031: 'account',
      131042: 'account',
      368: 'account',
      190: 'account',
    }
    for (const [code, outcome] of Object.entries(expected)) {
      const answer = classifyGraphAnswer(
        {
          status: code === '190' ? 401 : 400,
          headers: {},
          body: { error: { code: Number(code) } },
        },
        context
      )
      assert.equal(answer.outcome, outcome, code)
      assert.equal((answer as any).code, code)
      assert.include((answer as any).reason, `Graph error ${code}`, code)
    }
  })

  test('template text loses new lines and runs of spaces; file names are safe', ({ assert }) => {
    assert.equal(templateText('  a\r\n\tb      c '), 'a b c')
    assert.equal(documentFilename('ACME/2026 #1'), 'ACME-2026-1.pdf')
    assert.equal(documentFilename('///'), 'certificate.pdf')
  })
})

function outgoingConfig() {
  return { api_version: 'v21.0', template_name: 'certificate_issued', template_language: 'en' }
}
