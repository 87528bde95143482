import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { type IncomingHttpHeaders, createServer } from 'node:http'
import { test } from '@japa/runner'
import {
  type WhatsAppStandIn,
  type WhatsAppStandInOptions,
  hubSignature256,
  startWhatsAppStandIn,
  statusNotification,
  statusObject,
} from '../../../stand_ins/whatsapp_cloud_api.js'
import { closeServer, listenLocally } from '#tests/helpers/local_servers'

const APP_SECRET = 'test-app-secret'
const TOKEN = 'test-system-user-token'
const PHONE_NUMBER_ID = '106540352242922'
const WABA_ID = '102290129340398'
/** Generous: notifications are a few milliseconds apart, but the machine is shared. */
const CEILING_MS = 5_000

const TINY_PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n'
)

interface Notification {
  headers: IncomingHttpHeaders
  raw: string
  body: any
  signatureValid: boolean
}

/** Checks Meta's signature the way the app must: HMAC of the raw body, constant-time compare. */
function signatureMatches(raw: string, header: string | undefined) {
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', APP_SECRET).update(raw).digest('hex')}`
  )
  const received = Buffer.from(header ?? '')
  return received.length === expected.length && timingSafeEqual(received, expected)
}

/** A webhook endpoint that keeps every notification and answers with `answer()`. */
async function startWebhookReceiver() {
  const notifications: Notification[] = []
  const receiver = {
    notifications,
    answer: () => 200,
    verifyToken: 'subscribe-me',
    url: '',
    /** Every status of every notification, in arrival order. */
    statuses: () =>
      notifications.flatMap((n) =>
        n.body.entry.flatMap((e: any) => e.changes.flatMap((c: any) => c.value.statuses))
      ),
    async waitFor(count: number) {
      const deadline = Date.now() + CEILING_MS
      while (receiver.statuses().length < count) {
        if (Date.now() > deadline) {
          throw new Error(
            `expected ${count} statuses within ${CEILING_MS} ms, got ${receiver.statuses().length}`
          )
        }
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      return receiver.statuses()
    },
  }
  const server = createServer(async (request, response) => {
    if (request.method === 'GET') {
      const query = new URL(request.url!, 'http://receiver').searchParams
      const ok =
        query.get('hub.mode') === 'subscribe' &&
        query.get('hub.verify_token') === receiver.verifyToken
      response.writeHead(ok ? 200 : 403).end(ok ? query.get('hub.challenge') : '')
      return
    }
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk)
    const raw = Buffer.concat(chunks).toString('utf8')
    notifications.push({
      headers: request.headers,
      raw,
      body: JSON.parse(raw),
      signatureValid: signatureMatches(raw, request.headers['x-hub-signature-256'] as string),
    })
    response.writeHead(receiver.answer()).end()
  })
  receiver.url = await listenLocally(server)
  return { receiver, close: () => closeServer(server) }
}

/** Serves certificate PDFs the way the app's signed links would, and some ways it must not. */
async function startDocumentServer() {
  const requests: Array<{ path: string; userAgent: string | undefined }> = []
  const server = createServer((request, response) => {
    const path = request.url!
    requests.push({ path, userAgent: request.headers['user-agent'] })
    const hops = /^\/hop\/(\d+)$/.exec(path)
    if (hops) {
      const left = Number(hops[1])
      response.writeHead(302, { Location: left > 1 ? `/hop/${left - 1}` : '/certificate.pdf' })
      return response.end()
    }
    if (path === '/certificate.pdf') {
      response.writeHead(200, { 'Content-Type': 'application/pdf' })
      return response.end(TINY_PDF)
    }
    if (path === '/page.html') {
      response.writeHead(200, { 'Content-Type': 'text/html' })
      return response.end('<p>not a pdf</p>')
    }
    response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found')
  })
  const url = await listenLocally(server)
  return { url, requests, close: () => closeServer(server) }
}

interface Setup {
  standIn: WhatsAppStandIn
  receiver: Awaited<ReturnType<typeof startWebhookReceiver>>['receiver']
  documents: Awaited<ReturnType<typeof startDocumentServer>>
  send: (body: unknown, token?: string) => Promise<{ status: number; body: any }>
}

/** A stand-in wired to a local webhook receiver and document server, closed after the test. */
async function given(
  cleanup: (fn: () => Promise<void>) => void,
  options: WhatsAppStandInOptions = {}
): Promise<Setup> {
  const { receiver, close: closeReceiver } = await startWebhookReceiver()
  const documents = await startDocumentServer()
  const standIn = await startWhatsAppStandIn({
    accessToken: TOKEN,
    phoneNumberIds: [PHONE_NUMBER_ID],
    wabaId: WABA_ID,
    displayPhoneNumber: '15550783881',
    appSecret: APP_SECRET,
    webhookUrl: receiver.url,
    delayMs: 5,
    ...options,
  })
  cleanup(async () => {
    await standIn.close()
    await closeReceiver()
    await documents.close()
  })
  const send = async (body: unknown, token = TOKEN) => {
    const response = await fetch(`${standIn.url}/v21.0/${PHONE_NUMBER_ID}/messages`, {
      method: 'POST',
      headers: { 'Authorization': `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    })
    return { status: response.status, body: await response.json() }
  }
  return { standIn, receiver, documents, send }
}

/** The certificate message Authentix sends: a template with a document header and a name. */
function certificateMessage(
  to: string,
  document: Record<string, string>,
  template = 'certificate_issued'
) {
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to,
    type: 'template',
    template: {
      name: template,
      language: { code: 'en' },
      components: <Array<{ type: string; parameters: Array<Record<string, unknown>> }>>[
        {
          type: 'header',
          parameters: [
            { type: 'document', document: { ...document, filename: 'certificate.pdf' } },
          ],
        },
        { type: 'body', parameters: [{ type: 'text', text: 'Asha Rao' }] },
      ],
    },
  }
}

/** POSTs a form to the stand-in's `/media` of a phone number, as the app's client does. */
async function postMedia(
  standIn: WhatsAppStandIn,
  form: FormData,
  options: { token?: string; number?: string } = {}
) {
  const response = await fetch(`${standIn.url}/v21.0/${options.number ?? PHONE_NUMBER_ID}/media`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${options.token ?? TOKEN}` },
    body: form,
  })
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as any,
  }
}

const approved = [
  { name: 'certificate_issued', language: 'en', header: 'document' as const, bodyParameters: 1 },
]

test.group('WhatsApp Cloud API stand-in', () => {
  test('a template send is accepted with the real response shape and a wamid naming the recipient', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, documents, send } = await given(cleanup, { templates: approved })
    const response = await send(
      certificateMessage('+91 98765 43210', { link: `${documents.url}/certificate.pdf` })
    )
    assert.equal(response.status, 200)
    assert.deepEqual(Object.keys(response.body).sort(), [
      'contacts',
      'messages',
      'messaging_product',
    ])
    assert.equal(response.body.messaging_product, 'whatsapp')
    assert.deepEqual(response.body.contacts, [{ input: '+91 98765 43210', wa_id: '919876543210' }])
    const [message] = response.body.messages
    assert.equal(message.message_status, 'accepted')
    assert.match(message.id, /^wamid\.[A-Za-z0-9+/]+=*$/)
    assert.include(Buffer.from(message.id.slice(6), 'base64').toString('latin1'), '919876543210')

    assert.lengthOf(standIn.sent, 1)
    assert.equal(standIn.sent[0].wamid, message.id)
    assert.equal(standIn.sent[0].waId, '919876543210')
    assert.equal(standIn.sent[0].template?.name, 'certificate_issued')
    assert.equal(standIn.sent[0].document?.link, `${documents.url}/certificate.pdf`)
  })

  test('status notifications arrive signed, in the documented shape, sent then delivered then read', async ({
    assert,
    cleanup,
  }) => {
    const { receiver, documents, send } = await given(cleanup)
    const { body } = await send(
      certificateMessage('919876543210', { link: `${documents.url}/certificate.pdf` })
    )
    const statuses = await receiver.waitFor(3)
    const wamid = body.messages[0].id

    assert.deepEqual(
      statuses.map((s: any) => s.status),
      ['sent', 'delivered', 'read']
    )
    for (const notification of receiver.notifications) {
      assert.isTrue(notification.signatureValid)
      assert.equal(notification.headers['content-type'], 'application/json')
      assert.equal(notification.body.object, 'whatsapp_business_account')
      const [entry] = notification.body.entry
      assert.equal(entry.id, WABA_ID)
      assert.equal(entry.changes[0].field, 'messages')
      assert.equal(entry.changes[0].value.messaging_product, 'whatsapp')
      assert.deepEqual(entry.changes[0].value.metadata, {
        display_phone_number: '15550783881',
        phone_number_id: PHONE_NUMBER_ID,
      })
    }
    for (const status of statuses) {
      assert.equal(status.id, wamid)
      assert.equal(status.recipient_id, '919876543210')
      assert.match(status.timestamp, /^\d{10}$/)
      assert.notProperty(status, 'errors')
    }
    assert.equal(statuses[0].pricing.category, 'utility')
    assert.equal(statuses[0].conversation.origin.type, 'utility')
    assert.notProperty(statuses[2], 'pricing')
  })

  test('a wrong or missing token gets the 401 OAuthException with code 190', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, send } = await given(cleanup)
    const wrong = await send(
      certificateMessage('919876543210', { link: 'https://example.com/a.pdf' }),
      'stolen'
    )
    assert.equal(wrong.status, 401)
    assert.equal(wrong.body.error.code, 190)
    assert.equal(wrong.body.error.type, 'OAuthException')
    assert.isString(wrong.body.error.fbtrace_id)

    const missing = await fetch(`${standIn.url}/v21.0/${PHONE_NUMBER_ID}/messages`, {
      method: 'POST',
      body: '{}',
    })
    assert.equal(missing.status, 401)
    assert.equal(((await missing.json()) as any).error.code, 190)
    assert.lengthOf(standIn.sent, 0)
  })

  test('an unknown phone number id and malformed requests get Graph error 100', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, send } = await given(cleanup)
    const unknown = await fetch(`${standIn.url}/v21.0/999999999/messages`, {
      method: 'POST',
      headers: { 'Authorization': `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        messaging_product: 'whatsapp',
        to: '919876543210',
        type: 'text',
        text: { body: 'hi' },
      }),
    })
    const unknownBody = (await unknown.json()) as any
    assert.equal(unknown.status, 400)
    assert.equal(unknownBody.error.code, 100)
    assert.equal(unknownBody.error.type, 'GraphMethodException')
    assert.match(
      unknownBody.error.message,
      /^Unsupported post request\. Object with ID '999999999'/
    )

    const noProduct = await send({ to: '919876543210', type: 'text', text: { body: 'hi' } })
    assert.equal(noProduct.status, 400)
    assert.equal(
      noProduct.body.error.message,
      '(#100) The parameter messaging_product is required.'
    )

    const lettersTo = await send({
      messaging_product: 'whatsapp',
      to: 'asha',
      type: 'text',
      text: { body: 'hi' },
    })
    assert.equal(lettersTo.body.error.code, 100)
    assert.equal(lettersTo.body.error.error_data.messaging_product, 'whatsapp')

    const image = await send({ messaging_product: 'whatsapp', to: '919876543210', type: 'image' })
    assert.equal(image.body.error.code, 100)
    assert.lengthOf(standIn.sent, 0)
  })

  test('above the rate a second, sends get 130429 in the Graph error shape', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, send } = await given(cleanup, { ratePerSecond: 3, fetchDocuments: false })
    // Start at the top of a clock second so the burst lands in one window.
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000)))
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        send(certificateMessage(`91987654321${i}`, { link: 'https://example.com/a.pdf' }))
      )
    )
    const limited = responses.filter((r) => r.status === 400)
    assert.equal(responses.filter((r) => r.status === 200).length, 3)
    assert.lengthOf(limited, 3)
    const { error } = limited[0].body
    assert.equal(error.code, 130429)
    assert.equal(error.message, '(#130429) Rate limit hit')
    assert.equal(error.type, 'OAuthException')
    assert.equal(error.error_data.messaging_product, 'whatsapp')
    assert.isString(error.error_data.details)
    assert.isString(error.fbtrace_id)
    const counts = [...standIn.perSecond.values()]
    assert.deepEqual(counts, [{ accepted: 3, rejected: 3 }])
  })

  test('a message to an undeliverable number is sent, then fails with 131026', async ({
    assert,
    cleanup,
  }) => {
    const { receiver, documents, send } = await given(cleanup, { undeliverable: ['919000000001'] })
    await send(certificateMessage('919000000001', { link: `${documents.url}/certificate.pdf` }))
    const statuses = await receiver.waitFor(2)
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.deepEqual(
      receiver.statuses().map((s: any) => s.status),
      ['sent', 'failed']
    )
    assert.deepEqual(statuses[1].errors, [
      {
        code: 131026,
        title: 'Message undeliverable',
        message: 'Message undeliverable',
        error_data: { details: 'Message Undeliverable.' },
        href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
      },
    ])
  })

  test('an unknown template gets 132001 and a wrong parameter count 132000', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, send } = await given(cleanup, { templates: approved, fetchDocuments: false })
    const unknown = await send(
      certificateMessage('919876543210', { link: 'https://example.com/a.pdf' }, 'certificate_v2')
    )
    assert.equal(unknown.status, 400)
    assert.equal(unknown.body.error.code, 132001)
    assert.equal(
      unknown.body.error.message,
      '(#132001) Template name does not exist in the translation'
    )
    assert.equal(
      unknown.body.error.error_data.details,
      'template name (certificate_v2) does not exist in en'
    )

    const twoNames = certificateMessage('919876543210', { link: 'https://example.com/a.pdf' })
    twoNames.template.components[1].parameters.push({ type: 'text', text: 'extra' })
    const mismatch = await send(twoNames)
    assert.equal(mismatch.body.error.code, 132000)
    assert.lengthOf(standIn.sent, 0)
  })

  test('the document link is fetched like Meta does: up to 3 redirects, then a PDF with status 200', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, receiver, documents, send } = await given(cleanup)
    await send(certificateMessage('919876543210', { link: `${documents.url}/hop/3` }))
    await receiver.waitFor(3)
    assert.lengthOf(standIn.fetchedDocuments, 1)
    const [fetched] = standIn.fetchedDocuments
    assert.equal(fetched.status, 200)
    assert.equal(fetched.redirects, 3)
    assert.equal(fetched.finalUrl, `${documents.url}/certificate.pdf`)
    assert.equal(fetched.contentType, 'application/pdf')
    assert.equal(fetched.sha256, createHash('sha256').update(TINY_PDF).digest('hex'))
    assert.isUndefined(fetched.failure)
    assert.isTrue(documents.requests.every((r) => r.userAgent === 'facebookexternalua'))
  })

  test('a document link that answers 404, is not a PDF or redirects 4 times fails with 131053 only', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, receiver, documents, send } = await given(cleanup)
    for (const path of ['/gone.pdf', '/page.html', '/hop/4']) {
      await send(certificateMessage('919876543210', { link: `${documents.url}${path}` }))
    }
    const statuses = await receiver.waitFor(3)
    await standIn.idle()
    assert.lengthOf(receiver.statuses(), 3)
    assert.isTrue(statuses.every((s: any) => s.status === 'failed' && s.errors[0].code === 131053))
    assert.isTrue(statuses.every((s: any) => s.errors[0].title === 'Media upload error'))
    const details = new Map(
      standIn.fetchedDocuments.map((f) => [new URL(f.url).pathname, f.failure])
    )
    assert.equal(
      details.get('/gone.pdf'),
      'Downloading media from weblink failed with http code 404, status message Not Found'
    )
    assert.include(details.get('/page.html'), 'text/html')
    assert.include(details.get('/hop/4'), 'more than 3 redirects')
    const gone = statuses.find((s: any) => s.id === standIn.sent[0].wamid)
    assert.equal(gone.errors[0].error_data.details, details.get('/gone.pdf'))
  })

  test('duplicates posts every notification that many times, byte for byte', async ({
    assert,
    cleanup,
  }) => {
    const { receiver, documents, send } = await given(cleanup, { duplicates: 3 })
    await send(certificateMessage('919876543210', { link: `${documents.url}/certificate.pdf` }))
    await receiver.waitFor(9)
    const copies = new Map<string, number>()
    for (const n of receiver.notifications) copies.set(n.raw, (copies.get(n.raw) ?? 0) + 1)
    assert.deepEqual([...copies.values()], [3, 3, 3])
    assert.isTrue(receiver.notifications.every((n) => n.signatureValid))
  })

  test('reorder shuffles the statuses of a message', async ({ assert, cleanup }) => {
    // Always picking the first index turns sent, delivered, read into delivered, read, sent.
    const { receiver, documents, send } = await given(cleanup, { reorder: true, random: () => 0 })
    await send(certificateMessage('919876543210', { link: `${documents.url}/certificate.pdf` }))
    const statuses = await receiver.waitFor(3)
    assert.deepEqual(
      statuses.map((s: any) => s.status),
      ['delivered', 'read', 'sent']
    )
  })

  test('batch gathers statuses of several messages into one notification', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, receiver, send } = await given(cleanup, {
      batch: 3,
      batchWindowMs: 200,
      fetchDocuments: false,
      statuses: ['sent'],
    })
    await Promise.all(
      ['919876543210', '919876543211', '919876543212'].map((to) =>
        send(certificateMessage(to, { link: 'https://example.com/a.pdf' }))
      )
    )
    await receiver.waitFor(3)
    assert.lengthOf(receiver.notifications, 1)
    assert.sameMembers(
      receiver.statuses().map((s: any) => s.id),
      standIn.sent.map((m) => m.wamid)
    )
  })

  test('extraFields adds fields the app has never seen, at every level', async ({
    assert,
    cleanup,
  }) => {
    const { receiver, send } = await given(cleanup, {
      extraFields: true,
      fetchDocuments: false,
      statuses: ['sent'],
    })
    const response = await send(
      certificateMessage('919876543210', { link: 'https://example.com/a.pdf' })
    )
    assert.property(response.body.messages[0], 'x_standin_future')
    await receiver.waitFor(1)
    const [notification] = receiver.notifications
    assert.property(notification.body, 'x_standin_future')
    assert.property(notification.body.entry[0], 'time')
    assert.property(notification.body.entry[0].changes[0].value, 'x_standin_future')
    assert.property(receiver.statuses()[0], 'x_standin_future')
  })

  test('an uploaded PDF is sent by its media id; an unknown id fails with 131053', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, receiver, send } = await given(cleanup)
    const form = new FormData()
    form.set('messaging_product', 'whatsapp')
    form.set('type', 'application/pdf')
    form.set('file', new Blob([TINY_PDF], { type: 'application/pdf' }), 'certificate.pdf')
    const upload = await fetch(`${standIn.url}/v21.0/${PHONE_NUMBER_ID}/media`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: form,
    })
    const { id } = (await upload.json()) as { id: string }
    assert.equal(upload.status, 200)
    assert.match(id, /^\d{15,16}$/)
    assert.equal(
      standIn.mediaUploads[0].sha256,
      createHash('sha256').update(TINY_PDF).digest('hex')
    )
    assert.equal(standIn.mediaUploads[0].filename, 'certificate.pdf')

    await send(certificateMessage('919876543210', { id }))
    await send(certificateMessage('919876543211', { id: '1234567890123456' }))
    await receiver.waitFor(4)
    await standIn.idle()
    const byRecipient = (to: string) =>
      receiver
        .statuses()
        .filter((s: any) => s.recipient_id === to)
        .map((s: any) => s.status)
    assert.deepEqual(byRecipient('919876543210'), ['sent', 'delivered', 'read'])
    assert.deepEqual(byRecipient('919876543211'), ['failed'])
    assert.lengthOf(standIn.fetchedDocuments, 0)
  })

  test('a media upload without a file is refused with error 100', async ({ assert, cleanup }) => {
    const { standIn } = await given(cleanup)
    const form = new FormData()
    form.set('messaging_product', 'whatsapp')
    form.set('type', 'application/pdf')
    const upload = await fetch(`${standIn.url}/v21.0/${PHONE_NUMBER_ID}/media`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: form,
    })
    assert.equal(upload.status, 400)
    assert.equal(
      ((await upload.json()) as any).error.message,
      '(#100) The parameter file is required.'
    )
    assert.lengthOf(standIn.mediaUploads, 0)
  })

  test('/media checks the token, the form and its fields, and answers Graph errors', async ({
    assert,
    cleanup,
  }) => {
    const { standIn } = await given(cleanup)
    const upload = (
      fields: Record<string, string | Blob>,
      options: { token?: string; number?: string } = {}
    ) => {
      const form = new FormData()
      for (const [name, value] of Object.entries(fields)) {
        if (value instanceof Blob) form.set(name, value, 'certificate.pdf')
        else form.set(name, value)
      }
      return postMedia(standIn, form, options)
    }
    const pdf = new Blob([TINY_PDF], { type: 'application/pdf' })
    const complete = { messaging_product: 'whatsapp', type: 'application/pdf', file: pdf }

    const wrongToken = await upload(complete, { token: 'not-the-token' })
    assert.equal(wrongToken.status, 401)
    assert.equal(wrongToken.body.error.code, 190)
    assert.equal(wrongToken.body.error.type, 'OAuthException')

    const otherNumber = await upload(complete, { number: '999999999999999' })
    assert.equal(otherNumber.status, 400)
    assert.equal(otherNumber.body.error.code, 100)
    assert.equal(otherNumber.body.error.error_subcode, 33)

    const json = await fetch(`${standIn.url}/v21.0/${PHONE_NUMBER_ID}/media`, {
      method: 'POST',
      headers: { 'Authorization': `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ messaging_product: 'whatsapp' }),
    })
    assert.equal(json.status, 400)
    assert.equal(((await json.json()) as any).error.code, 100)

    const noProduct = await upload({ type: 'application/pdf', file: pdf })
    assert.equal(
      noProduct.body.error.message,
      '(#100) The parameter messaging_product is required.'
    )
    const wrongProduct = await upload({ ...complete, messaging_product: 'instagram' })
    assert.equal(
      wrongProduct.body.error.message,
      '(#100) Param messaging_product must be one of {WHATSAPP} - got "instagram".'
    )
    const noType = await upload({ messaging_product: 'whatsapp', file: pdf })
    assert.equal(noType.body.error.message, '(#100) The parameter type is required.')
    const oddType = await upload({ ...complete, type: 'application/zip' })
    assert.equal(oddType.status, 400)
    assert.equal(oddType.body.error.code, 100)
    assert.match(oddType.body.error.error_data.details, /supported media types/)

    const notPdf = await upload({ ...complete, file: new Blob(['hello'], { type: 'text/plain' }) })
    assert.equal(notPdf.status, 400)
    assert.equal(notPdf.body.error.code, 131053)
    assert.equal(notPdf.body.error.message, '(#131053) Media upload error')
    assert.equal(notPdf.body.error.error_data.details, 'The uploaded file is not a valid PDF')

    assert.lengthOf(standIn.mediaUploads, 0, 'nothing refused was stored')
    assert.sameMembers(
      standIn.rejected.map((r) => r.code),
      [190, 100, 100, 100, 100, 100, 100, 131053]
    )

    const taken = await upload(complete)
    assert.equal(taken.status, 200)
    assert.deepEqual(Object.keys(taken.body), ['id'])
    assert.equal(standIn.mediaUploads[0].phoneNumberId, PHONE_NUMBER_ID)
    assert.equal(standIn.mediaUploads[0].type, 'application/pdf')
    assert.isTrue(standIn.mediaUploads[0].bytes.equals(TINY_PDF), 'the bytes are kept')

    // Its metadata, as GET /<version>/<media id> answers.
    const info = await fetch(`${standIn.url}/v21.0/${taken.body.id}`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    })
    const metadata = (await info.json()) as any
    assert.equal(metadata.id, taken.body.id)
    assert.equal(metadata.mime_type, 'application/pdf')
    assert.equal(metadata.file_size, TINY_PDF.length)
    assert.equal(metadata.sha256, createHash('sha256').update(TINY_PDF).digest('hex'))
    const download = await fetch(metadata.url, { headers: { Authorization: `Bearer ${TOKEN}` } })
    assert.equal(download.status, 200)
    assert.isTrue(Buffer.from(await download.arrayBuffer()).equals(TINY_PDF))
    const anonymous = await fetch(metadata.url)
    assert.equal(anonymous.status, 401)
  })

  test('/media refuses a document over the size limit, and fails on request with 131053, 503 or 190', async ({
    assert,
    cleanup,
  }) => {
    const { standIn } = await given(cleanup, { maxMediaBytes: 1_000, retryAfterSeconds: 7 })
    const form = (bytes: Buffer) => {
      const body = new FormData()
      body.set('messaging_product', 'whatsapp')
      body.set('type', 'application/pdf')
      body.set('file', new Blob([bytes], { type: 'application/pdf' }), 'certificate.pdf')
      return body
    }
    const big = Buffer.concat([TINY_PDF, Buffer.alloc(1_000, 0x20)])
    const tooBig = await postMedia(standIn, form(big))
    assert.equal(tooBig.status, 400)
    assert.equal(tooBig.body.error.code, 131053)
    assert.equal(
      tooBig.body.error.error_data.details,
      `Media file size ${big.length} exceeds the limit of 1000 bytes for application/pdf`
    )

    standIn.configure({ failMediaUploads: 'upload_error' })
    const refused = await postMedia(standIn, form(TINY_PDF))
    assert.equal(refused.status, 400)
    assert.equal(refused.body.error.code, 131053)
    assert.equal(refused.body.error.message, '(#131053) Media upload error')

    standIn.configure({ failMediaUploads: 'server_error' })
    const down = await postMedia(standIn, form(TINY_PDF))
    assert.equal(down.status, 503)
    assert.equal(down.headers.get('retry-after'), '7')

    standIn.configure({ failMediaUploads: null, accountError: 190 })
    const expired = await postMedia(standIn, form(TINY_PDF))
    assert.equal(expired.status, 401)
    assert.equal(expired.body.error.code, 190)
    assert.equal(expired.body.error.error_subcode, 463)

    standIn.configure({ accountError: null })
    const recovered = await postMedia(standIn, form(TINY_PDF))
    assert.equal(recovered.status, 200)
    assert.lengthOf(standIn.mediaUploads, 1)
  })

  test('a media id is only good from the number that uploaded it, and until it expires', async ({
    assert,
    cleanup,
  }) => {
    const OTHER_NUMBER = '106540352242923'
    const { standIn, receiver } = await given(cleanup, {
      phoneNumberIds: [PHONE_NUMBER_ID, OTHER_NUMBER],
    })
    const body = new FormData()
    body.set('messaging_product', 'whatsapp')
    body.set('type', 'application/pdf')
    body.set('file', new Blob([TINY_PDF], { type: 'application/pdf' }), 'certificate.pdf')
    const { body: uploaded } = await postMedia(standIn, body)
    const sendFrom = async (number: string, to: string) => {
      const response = await fetch(`${standIn.url}/v21.0/${number}/messages`, {
        method: 'POST',
        headers: { 'Authorization': `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(certificateMessage(to, { id: uploaded.id })),
      })
      assert.equal(response.status, 200, 'Meta takes the message and fails it afterwards')
    }
    await sendFrom(PHONE_NUMBER_ID, '919876543210')
    await sendFrom(OTHER_NUMBER, '919876543211')
    await receiver.waitFor(4)
    await standIn.idle()
    standIn.configure({ mediaTtlMs: 0 })
    await sendFrom(PHONE_NUMBER_ID, '919876543212')
    await receiver.waitFor(5)
    await standIn.idle()
    const failures = receiver
      .statuses()
      .filter((s: any) => s.status === 'failed')
      .map((s: any) => [s.recipient_id, s.errors[0].code, s.errors[0].error_data.details])
    assert.sameDeepMembers(failures, [
      ['919876543211', 131053, `Media id ${uploaded.id} was not found or has expired`],
      ['919876543212', 131053, `Media id ${uploaded.id} was not found or has expired`],
    ])
    assert.includeMembers(
      receiver
        .statuses()
        .filter((s: any) => s.recipient_id === '919876543210')
        .map((s: any) => s.status),
      ['sent', 'delivered', 'read']
    )
  })

  test('a text message outside the 24-hour window fails with 131047', async ({
    assert,
    cleanup,
  }) => {
    const { receiver, send } = await given(cleanup, { openServiceWindows: ['919876543211'] })
    const text = (to: string) => ({
      messaging_product: 'whatsapp',
      to,
      type: 'text',
      text: { body: 'hello' },
    })
    await send(text('919876543210'))
    await send(text('919876543211'))
    await receiver.waitFor(4)
    const closed = receiver.statuses().filter((s: any) => s.recipient_id === '919876543210')
    assert.deepEqual(
      closed.map((s: any) => s.errors?.[0].code),
      [131047]
    )
  })

  test('a notification the webhook refuses is posted again until it is taken', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, receiver, send } = await given(cleanup, {
      statuses: ['sent'],
      fetchDocuments: false,
      webhookRetryDelayMs: 10,
    })
    let answers = 0
    receiver.answer = () => (++answers === 1 ? 500 : 200)
    await send(certificateMessage('919876543210', { link: 'https://example.com/a.pdf' }))
    await receiver.waitFor(2)
    await standIn.idle()
    assert.deepEqual(
      standIn.webhooksPosted.map((w) => [w.attempt, w.responseStatus]),
      [
        [1, 500],
        [2, 200],
      ]
    )
    assert.equal(receiver.notifications[0].raw, receiver.notifications[1].raw)
  })

  test('the subscription check echoes the challenge only for the right verify token', async ({
    assert,
    cleanup,
  }) => {
    const { standIn } = await given(cleanup)
    assert.deepEqual(await standIn.verifySubscription('subscribe-me'), {
      status: 200,
      echoed: true,
    })
    assert.deepEqual(await standIn.verifySubscription('guess'), { status: 403, echoed: false })
  })

  test('reset forgets what was recorded and drops notifications still pending', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, receiver, send } = await given(cleanup, {
      delayMs: 200,
      fetchDocuments: false,
    })
    await send(certificateMessage('919876543210', { link: 'https://example.com/a.pdf' }))
    standIn.reset()
    await standIn.idle()
    assert.lengthOf(standIn.sent, 0)
    assert.equal(standIn.perSecond.size, 0)
    assert.lengthOf(receiver.notifications, 0)
  })

  test('a hand-built notification matches the posted one, signature included', async ({
    assert,
    cleanup,
  }) => {
    const { receiver, send } = await given(cleanup, { statuses: ['read'], fetchDocuments: false })
    const { body } = await send(
      certificateMessage('919876543210', { link: 'https://example.com/a.pdf' })
    )
    const [posted] = await receiver.waitFor(1)
    const built = statusNotification({
      wabaId: WABA_ID,
      displayPhoneNumber: '15550783881',
      statuses: [
        {
          phoneNumberId: PHONE_NUMBER_ID,
          status: statusObject({
            wamid: body.messages[0].id,
            status: 'read',
            recipientId: '919876543210',
            timestamp: new Date(Number(posted.timestamp) * 1000),
          }),
        },
      ],
    })
    const raw = JSON.stringify(built)
    assert.equal(raw, receiver.notifications[0].raw)
    assert.equal(
      hubSignature256(raw, APP_SECRET),
      receiver.notifications[0].headers['x-hub-signature-256']
    )
  })

  test('biz_opaque_callback_data is echoed in every status of the message', async ({
    assert,
    cleanup,
  }) => {
    const { receiver, send } = await given(cleanup, { fetchDocuments: false })
    const message = {
      ...certificateMessage('919876543210', { link: 'https://example.com/a.pdf' }),
      biz_opaque_callback_data: 'message-42',
    }
    const accepted = await send(message)
    assert.equal(accepted.status, 200)
    const statuses = await receiver.waitFor(3)
    assert.deepEqual(
      statuses.map((status: any) => status.biz_opaque_callback_data),
      ['message-42', 'message-42', 'message-42']
    )
    const tooLong = await send({ ...message, biz_opaque_callback_data: 'x'.repeat(513) })
    assert.equal(tooLong.body.error.code, 100)
  })

  test('an account error refuses every send until lifted, in Graph shape', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, send } = await given(cleanup, { fetchDocuments: false })
    const message = certificateMessage('919876543210', { link: 'https://example.com/a.pdf' })
    for (const [code, httpStatus] of [
      [131031, 400],
      [131042, 400],
      [368, 400],
      [190, 401],
    ] as const) {
      standIn.configure({ accountError: code })
      const refused = await send(message)
      assert.equal(refused.status, httpStatus)
      assert.equal(refused.body.error.code, code)
      assert.equal(refused.body.error.type, 'OAuthException')
    }
    standIn.configure({ accountError: null })
    const lifted = await send(message)
    assert.equal(lifted.status, 200)
    assert.lengthOf(standIn.sent, 1)
  })

  test('serverErrors answers 503 with Retry-After that many times, then recovers', async ({
    assert,
    cleanup,
  }) => {
    const { standIn } = await given(cleanup, {
      fetchDocuments: false,
      serverErrors: 2,
      retryAfterSeconds: 3,
    })
    const post = () =>
      fetch(`${standIn.url}/v21.0/${PHONE_NUMBER_ID}/messages`, {
        method: 'POST',
        headers: { 'Authorization': `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(
          certificateMessage('919876543210', { link: 'https://example.com/a.pdf' })
        ),
      })
    for (let i = 0; i < 2; i++) {
      const response = await post()
      assert.equal(response.status, 503)
      assert.equal(response.headers.get('retry-after'), '3')
      await response.arrayBuffer()
    }
    const recovered = await post()
    assert.equal(recovered.status, 200)
    await recovered.arrayBuffer()
  })

  test('the control endpoints: subscription handshake, config and what was received', async ({
    assert,
    cleanup,
  }) => {
    const { receiver, close } = await startWebhookReceiver()
    const standIn = await startWhatsAppStandIn({
      accessToken: TOKEN,
      phoneNumberIds: [PHONE_NUMBER_ID],
      fetchDocuments: false,
      delayMs: 5,
    })
    cleanup(async () => {
      await standIn.close()
      await close()
    })
    const control = async (path: string, body?: unknown) => {
      const response = await fetch(`${standIn.url}/_standin/${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      return { status: response.status, body: (await response.json()) as any }
    }
    const wrong = await control('subscription', {
      callback_url: receiver.url,
      verify_token: 'guess',
      app_secret: APP_SECRET,
    })
    assert.equal(wrong.status, 400)
    assert.match(wrong.body.error, /did not echo the challenge \(HTTP 403\)/)
    const before = await control('received')
    assert.isNull(before.body.webhook_url)

    const right = await control('subscription', {
      callback_url: receiver.url,
      verify_token: 'subscribe-me',
      app_secret: APP_SECRET,
    })
    assert.deepEqual(right.body, { subscribed: true, callback_url: receiver.url })

    const configured = await control('config', { statuses: ['sent'], undeliverable: [] })
    assert.equal(configured.status, 200)
    const badCode = await control('config', { accountError: 7 })
    assert.equal(badCode.status, 400)
    const unknown = await control('config', { nonsense: 1 })
    assert.equal(unknown.status, 400)

    await fetch(`${standIn.url}/v21.0/${PHONE_NUMBER_ID}/messages`, {
      method: 'POST',
      headers: { 'Authorization': `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(
        certificateMessage('919876543210', { link: 'https://example.com/a.pdf' })
      ),
    })
    const [status] = await receiver.waitFor(1)
    assert.isTrue(receiver.notifications[0].signatureValid)
    await standIn.idle()
    const { body: received } = await control('received')
    assert.lengthOf(received.sent, 1)
    assert.equal(received.sent[0].wamid, status.id)
    assert.equal(received.sent[0].to, '919876543210')
    assert.deepEqual(received.webhooks_posted[0].statuses, [{ id: status.id, status: 'sent' }])
    assert.equal(received.webhooks_posted[0].responseStatus, 200)
    assert.equal(received.webhook_url, receiver.url)

    const reset = await control('reset', {})
    assert.equal(reset.status, 200)
    const after = await control('received')
    assert.lengthOf(after.body.sent, 0)
  })
})
