import { createHash } from 'node:crypto'
import { test } from '@japa/runner'
import DeliveryIntegration from '#deliveries/models/delivery_integration'
import {
  type ComposedEmail,
  outcomeOf,
  sendThroughEmailApi,
  senderText,
} from '#deliveries/services/email_api_sender'
import type { EmailHttpProvider } from '#deliveries/services/providers'
import { freePort } from '#tests/helpers/processes'
import { type EmailApiStandIn, startEmailApiStandIn } from '../../../stand_ins/email_apis.js'

const API_KEY = 're_test_canary_4b1d'
const PROVIDERS: EmailHttpProvider[] = ['resend', 'sendgrid', 'brevo', 'mailgun']
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

function integrationFor(provider: EmailHttpProvider, baseUrl: string) {
  const integration = new DeliveryIntegration()
  integration.fill({
    organizationId: '00000000-0000-4000-8000-000000000001',
    channel: 'email',
    provider,
    displayName: `Our ${provider}`,
    isActive: true,
    isDefault: true,
    fromEmail: 'certificates@acme.example',
    fromName: 'Acme Academy',
    config: { base_url: baseUrl, ...(provider === 'mailgun' ? { domain: 'mg.acme.example' } : {}) },
  })
  return integration
}

function composed(overrides: Partial<ComposedEmail> = {}): ComposedEmail {
  return {
    from: { name: 'Acme Academy', address: 'certificates@acme.example' },
    to: 'ananya.sharma@example.in',
    replyTo: 'registrar@acme.example',
    subject: 'Your certificate: Data Science Foundations',
    text: 'Dear Ananya, your certificate is attached.',
    html: '<p>Dear Ananya, your certificate is attached.</p>',
    attachments: [
      {
        filename: 'ACME-0001.pdf',
        content: Buffer.from('%PDF-1.7 first certificate'),
        contentType: 'application/pdf',
      },
      {
        filename: 'ACME-0002.pdf',
        content: Buffer.from('%PDF-1.7 second certificate'),
        contentType: 'application/pdf',
      },
    ],
    headers: {
      'List-Unsubscribe': '<https://authentix.example/u/abc>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'X-Authentix-Message': 'message-1',
    },
    idempotencyKey: 'b7f0c6a2d3e94f1c8a5e6d7c8b9a0f12',
    ...overrides,
  }
}

async function send(
  standIn: EmailApiStandIn,
  provider: EmailHttpProvider,
  email = composed(),
  key = API_KEY
) {
  return sendThroughEmailApi(
    {
      integration: integrationFor(provider, standIn.url),
      secrets: { api_key: key },
      address: '127.0.0.1',
    },
    email
  )
}

test.group('Email through a provider API (Resend, SendGrid, Brevo, Mailgun)', (group) => {
  let standIn: EmailApiStandIn
  group.setup(async () => {
    standIn = await startEmailApiStandIn({ apiKey: API_KEY, mailgunDomains: ['mg.acme.example'] })
    return () => standIn.close()
  })
  group.each.setup(() => {
    standIn.reset()
    standIn.configure({ rejectRecipients: [], rateLimitPerSecond: null, down: false })
  })

  for (const provider of PROVIDERS) {
    test(`${provider}: accepted with its id; bodies, headers and the PDFs arrive intact`, async ({
      assert,
    }) => {
      const email = composed()
      const outcome = await send(standIn, provider, email)
      assert.equal(outcome.outcome, 'accepted')
      const [mail] = standIn.messages()
      assert.equal(mail.provider, provider)
      assert.equal(outcome.outcome === 'accepted' && outcome.providerMessageId, mail.id)
      assert.deepEqual(mail.to, [email.to])
      assert.include(mail.from, 'certificates@acme.example')
      assert.include(mail.from, 'Acme Academy')
      assert.equal(mail.replyTo, 'registrar@acme.example')
      assert.equal(mail.subject, email.subject)
      assert.equal(mail.text, email.text)
      assert.equal(mail.html, email.html)
      assert.equal(mail.headers['List-Unsubscribe'], '<https://authentix.example/u/abc>')
      assert.equal(mail.headers['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click')
      assert.deepEqual(
        mail.attachments.map((a) => [a.filename, a.sha256]),
        email.attachments.map((a) => [a.filename, sha256(a.content)])
      )
    })

    test(`${provider}: a refused key pauses (account), a refused address fails, limits and outages retry`, async ({
      assert,
    }) => {
      const badKey = await send(standIn, provider, composed(), 'wrong-key')
      assert.equal(badKey.outcome, 'account')
      assert.match(badKey.outcome !== 'accepted' ? badKey.reason : '', /refused the API key/)

      standIn.configure({ rejectRecipients: ['bounce@example.in'] })
      const refused = await send(standIn, provider, composed({ to: 'bounce@example.in' }))
      assert.equal(refused.outcome, 'permanent')
      assert.include(refused.outcome !== 'accepted' ? refused.reason : '', 'bounce@example.in')

      standIn.configure({ rateLimitPerSecond: 1 })
      const withinLimit = await send(
        standIn,
        provider,
        composed({ idempotencyKey: 'first-of-two' })
      )
      assert.equal(withinLimit.outcome, 'accepted')
      const limited = await send(standIn, provider, composed({ idempotencyKey: 'second-of-two' }))
      assert.deepInclude(limited, { outcome: 'transient', code: 'http_429', retryAfterMs: 1000 })

      standIn.configure({ rateLimitPerSecond: null, down: true })
      const down = await send(standIn, provider, composed({ idempotencyKey: 'during-outage' }))
      assert.deepInclude(down, { outcome: 'transient', code: 'http_503' })
      assert.lengthOf(standIn.messages(), 1)
    })
  }

  test('Resend and Brevo take the idempotency key: a repeated attempt answers the first id and sends nothing more', async ({
    assert,
  }) => {
    for (const provider of ['resend', 'brevo'] as const) {
      standIn.reset()
      const first = await send(standIn, provider)
      const again = await send(standIn, provider)
      assert.equal(first.outcome, 'accepted', provider)
      assert.deepEqual(again, first, provider)
      assert.lengthOf(standIn.messages(), 1, provider)
      assert.equal(standIn.messages()[0].idempotencyKey, composed().idempotencyKey)
    }
  })

  test('Mailgun without the domain pauses the integration; nothing listening is retried', async ({
    assert,
  }) => {
    const integration = integrationFor('mailgun', standIn.url)
    integration.config = { base_url: standIn.url, domain: 'unknown.example' }
    const noDomain = await sendThroughEmailApi(
      { integration, secrets: { api_key: API_KEY }, address: '127.0.0.1' },
      composed()
    )
    assert.deepInclude(noDomain, { outcome: 'account', code: 'http_404' })

    const closed = `http://127.0.0.1:${await freePort()}`
    const refused = await sendThroughEmailApi(
      {
        integration: integrationFor('resend', closed),
        secrets: { api_key: API_KEY },
        address: '127.0.0.1',
      },
      composed()
    )
    assert.deepInclude(refused, { outcome: 'transient', code: 'ECONNREFUSED' })
  })

  test('a sender name with a comma or quotes stays one name; line breaks never reach a header', async ({
    assert,
  }) => {
    assert.equal(
      senderText({ name: 'IIT, Bombay "Alumni"', address: 'a@iitb.example' }),
      '"IIT, Bombay \\"Alumni\\"" <a@iitb.example>'
    )
    assert.equal(
      senderText({ name: 'Acme\r\nBcc: x@evil.example', address: 'a@b.example' }),
      '"Acme Bcc: x@evil.example" <a@b.example>'
    )
    const outcome = await send(
      standIn,
      'resend',
      composed({ from: { name: 'IIT, Bombay', address: 'a@iitb.example' } })
    )
    assert.equal(outcome.outcome, 'accepted')
    assert.equal(standIn.messages()[0].from, '"IIT, Bombay" <a@iitb.example>')
  })

  test('answers without a body to read: taken without an id is still taken; no credit pauses; a reset time is waited for', ({
    assert,
  }) => {
    const email = { to: 'a@b.example', idempotencyKey: 'k-1' }
    assert.deepEqual(outcomeOf('sendgrid', { status: 202, body: '', headers: {} }, email), {
      outcome: 'accepted',
      providerMessageId: 'sendgrid:k-1',
    })
    assert.equal(
      outcomeOf('brevo', { status: 402, body: { message: 'no credits' }, headers: {} }, email)
        .outcome,
      'account'
    )
    const reset = Math.floor(Date.now() / 1000) + 30
    const limited = outcomeOf(
      'sendgrid',
      { status: 429, body: {}, headers: { 'x-ratelimit-reset': String(reset) } },
      email
    )
    assert.equal(limited.outcome, 'transient')
    const waitMs = limited.outcome === 'transient' ? (limited.retryAfterMs ?? 0) : 0
    assert.isAbove(waitMs, 20_000)
    assert.isAtMost(waitMs, 30_000)
    const capped = outcomeOf(
      'resend',
      { status: 503, body: {}, headers: { 'retry-after': '86400' } },
      email
    )
    assert.equal(capped.outcome === 'transient' && capped.retryAfterMs, 3_600_000)
    assert.equal(
      outcomeOf('sendgrid', { status: 409, body: {}, headers: {} }, email).outcome,
      'transient'
    )
  })
})
