import { test } from '@japa/runner'
import {
  certificateDownloadUrl,
  openCertificateDownloadToken,
  openRecipientPageToken,
  openUnsubscribeToken,
  recipientPageUrl,
  unsubscribeUrl,
} from '#deliveries/services/delivery_links'
import { durationText } from '#deliveries/queries/delivery_estimate'
import { slotIntervalMs } from '#deliveries/services/send_throttle'
import { retryDelayMs } from '#deliveries/services/send_worker'
import deliveries from '#config/deliveries'

const ID = '0190f3c4-8a1b-7c2d-9e3f-0a1b2c3d4e5f'
const tokenOf = (url: string) => url.split('/').pop()!

test.group('Delivery links: signed, expiring, not transferable', () => {
  test('a PDF link opens to its certificate until it expires', ({ assert }) => {
    const now = Date.UTC(2026, 0, 1)
    const token = tokenOf(certificateDownloadUrl(ID, now))
    assert.equal(openCertificateDownloadToken(token, now), ID)
    assert.equal(openCertificateDownloadToken(token, now + 29 * 86_400_000), ID)
    assert.isNull(openCertificateDownloadToken(token, now + 31 * 86_400_000))
  })

  test('a changed id, expiry or signature, or a token of another kind, opens nothing', ({
    assert,
  }) => {
    const token = tokenOf(certificateDownloadUrl(ID))
    const [id, expires, sig] = token.split('.')
    const otherId = id.replace(/.$/, (c) => (c === 'f' ? 'e' : 'f'))
    assert.isNull(openCertificateDownloadToken(`${otherId}.${expires}.${sig}`))
    assert.isNull(openCertificateDownloadToken(`${id}.${Number(expires) + 86_400}.${sig}`))
    assert.isNull(openCertificateDownloadToken(`${id}.${expires}.${'A'.repeat(22)}`))
    assert.isNull(openRecipientPageToken(token), 'a PDF link is not a recipient page link')
    assert.equal(openRecipientPageToken(tokenOf(recipientPageUrl(ID))), ID)
    for (const junk of [undefined, 42, '', 'x'.repeat(500), `${token}.extra`])
      assert.isNull(openCertificateDownloadToken(junk))
  })

  test('an unsubscribe link names its org, channel and address, and only those', ({ assert }) => {
    const token = tokenOf(
      unsubscribeUrl({ organizationId: ID, channel: 'email', address: 'ananya@example.in' })
    )
    assert.deepEqual(openUnsubscribeToken(token), {
      organizationId: ID,
      channel: 'email',
      address: 'ananya@example.in',
    })
    const [org, , address, sig] = token.split('.')
    assert.isNull(openUnsubscribeToken(`${org}.w.${address}.${sig}`), 'another channel')
    const other = Buffer.from('someone@example.in').toString('base64url')
    assert.isNull(openUnsubscribeToken(`${org}.e.${other}.${sig}`), 'another address')
    const whatsapp = tokenOf(
      unsubscribeUrl({ organizationId: ID, channel: 'whatsapp', address: '919876543210' })
    )
    assert.equal(openUnsubscribeToken(whatsapp)?.channel, 'whatsapp')
  })
})

test.group('Delivery timing', () => {
  test('slots are 1/rate apart; retries back off exponentially with jitter, capped, after Retry-After', ({
    assert,
  }) => {
    assert.equal(slotIntervalMs(80), 13)
    assert.equal(slotIntervalMs(4), 250)
    assert.equal(slotIntervalMs(100_000), 1)
    const base = deliveries.retryBaseMs
    assert.equal(retryDelayMs(1, 0, 0.5), base)
    assert.equal(retryDelayMs(3, 0, 0.5), base * 4)
    assert.equal(retryDelayMs(2, 0, 0), base)
    assert.equal(retryDelayMs(2, 0, 0.999), Math.round(base * 2 * 1.499))
    assert.equal(retryDelayMs(40, 0, 0.5), deliveries.retryCapMs)
    assert.equal(retryDelayMs(1, 10 * base, 0.5), 10 * base)
  })

  test('durations read like "~3 h 20 min"', ({ assert }) => {
    assert.equal(durationText(12), '~12 s')
    assert.equal(durationText(0.2), '~1 s')
    assert.equal(durationText(600), '~10 min')
    assert.equal(durationText(12_000), '~3 h 20 min')
    assert.equal(durationText(7_200), '~2 h')
    assert.equal(durationText(3 * 86_400 + 4 * 3_600), '~3 d 4 h')
  })
})
