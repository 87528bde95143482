import { createHmac, generateKeyPairSync, sign as signWithKey } from 'node:crypto'
import { test } from '@japa/runner'
import { constantTimeEqual } from '#core/services/constant_time'
import {
  bearerTokenValid,
  hubSignatureValid,
  mailgunSignatureValid,
  sendgridSignatureValid,
  sendgridVerificationKey,
  standardWebhookValid,
} from '#deliveries/services/webhook_signatures'

const RAW = '{"object":"whatsapp_business_account","entry":[]}'
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0)
const SECONDS = String(NOW / 1000)

test.group('Webhook signatures', () => {
  test('constant-time equality holds for equal strings only, whatever their lengths', ({
    assert,
  }) => {
    assert.isTrue(constantTimeEqual('secret', 'secret'))
    assert.isFalse(constantTimeEqual('secret', 'secreT'))
    assert.isFalse(constantTimeEqual('secret', 'secret-longer'))
    assert.isFalse(constantTimeEqual('', 'secret'))
  })

  test('X-Hub-Signature-256 matches the HMAC of the exact raw body with the app secret', ({
    assert,
  }) => {
    const header = `sha256=${createHmac('sha256', 'app-secret').update(RAW).digest('hex')}`
    assert.isTrue(hubSignatureValid(RAW, header, 'app-secret'))
    assert.isTrue(
      hubSignatureValid(RAW, header.toUpperCase().replace('SHA256=', 'sha256='), 'app-secret')
    )
    assert.isFalse(hubSignatureValid(`${RAW} `, header, 'app-secret'))
    assert.isFalse(hubSignatureValid(RAW, header, 'other-secret'))
    assert.isFalse(hubSignatureValid(RAW, header.slice(7), 'app-secret'))
    assert.isFalse(hubSignatureValid(RAW, undefined, 'app-secret'))
    assert.isFalse(hubSignatureValid(RAW, header, undefined))
  })

  test('Standard Webhooks (Resend): v1 HMAC of id.timestamp.body with the whsec_ key, within 5 minutes', ({
    assert,
  }) => {
    const key = Buffer.from('resend-signing-key-bytes')
    const secret = `whsec_${key.toString('base64')}`
    const sign = (id: string, timestamp: string, body: string) =>
      `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`
    const headers = { id: 'msg_1', timestamp: SECONDS, signature: sign('msg_1', SECONDS, RAW) }
    assert.isTrue(standardWebhookValid(RAW, headers, secret, NOW))
    // During a rotation several signatures are sent; one valid is enough.
    assert.isTrue(
      standardWebhookValid(
        RAW,
        { ...headers, signature: `v1,bm9wZQ== ${headers.signature}` },
        secret,
        NOW
      )
    )
    assert.isFalse(standardWebhookValid(`${RAW}x`, headers, secret, NOW))
    assert.isFalse(standardWebhookValid(RAW, { ...headers, id: 'msg_2' }, secret, NOW))
    assert.isFalse(
      standardWebhookValid(RAW, headers, `whsec_${Buffer.from('x').toString('base64')}`, NOW)
    )
    assert.isFalse(standardWebhookValid(RAW, headers, secret, NOW + 6 * 60 * 1000))
    assert.isFalse(standardWebhookValid(RAW, { ...headers, signature: null }, secret, NOW))
  })

  test('Mailgun: hex HMAC of timestamp + token with the signing key, within 5 minutes', ({
    assert,
  }) => {
    const token = 'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0'
    const signature = {
      timestamp: SECONDS,
      token,
      signature: createHmac('sha256', 'mailgun-key')
        .update(SECONDS + token)
        .digest('hex'),
    }
    assert.isTrue(mailgunSignatureValid(signature, 'mailgun-key', NOW))
    assert.isFalse(mailgunSignatureValid(signature, 'other-key', NOW))
    assert.isFalse(mailgunSignatureValid({ ...signature, token: `${token}0` }, 'mailgun-key', NOW))
    assert.isFalse(mailgunSignatureValid(signature, 'mailgun-key', NOW + 10 * 60 * 1000))
    assert.isFalse(mailgunSignatureValid(undefined, 'mailgun-key', NOW))
  })

  test('SendGrid: ECDSA P-256 of timestamp + raw body, checked with the base64 DER verification key', ({
    assert,
  }) => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    const key = publicKey.export({ format: 'der', type: 'spki' }).toString('base64')
    const body = '[{"email":"a@example.com","event":"delivered","sg_event_id":"x"}]'
    const signed = (timestamp: string, raw = body) =>
      signWithKey('sha256', Buffer.from(timestamp + raw), privateKey).toString('base64')
    const headers = { signature: signed(SECONDS), timestamp: SECONDS }
    assert.isTrue(sendgridSignatureValid(body, headers, key, NOW))
    // Pasted as PEM, with line breaks, it is the same key.
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString()
    assert.isTrue(sendgridSignatureValid(body, headers, pem, NOW))
    assert.isFalse(sendgridSignatureValid(`${body} `, headers, key, NOW))
    assert.isFalse(
      sendgridSignatureValid(body, { ...headers, timestamp: String(NOW / 1000 + 1) }, key, NOW)
    )
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      .publicKey.export({ format: 'der', type: 'spki' })
      .toString('base64')
    assert.isFalse(sendgridSignatureValid(body, headers, other, NOW))
    // A day old is still taken (SendGrid retries for 24 h); 26 hours is not, nor 10 minutes ahead.
    const dayOld = String(NOW / 1000 - 24 * 3600)
    assert.isTrue(
      sendgridSignatureValid(body, { signature: signed(dayOld), timestamp: dayOld }, key, NOW)
    )
    const tooOld = String(NOW / 1000 - 26 * 3600)
    assert.isFalse(
      sendgridSignatureValid(body, { signature: signed(tooOld), timestamp: tooOld }, key, NOW)
    )
    const ahead = String(NOW / 1000 + 600)
    assert.isFalse(
      sendgridSignatureValid(body, { signature: signed(ahead), timestamp: ahead }, key, NOW)
    )
    assert.isFalse(
      sendgridSignatureValid(body, { ...headers, signature: 'bm90IGEgc2ln' }, key, NOW)
    )
    assert.isFalse(sendgridSignatureValid(body, { timestamp: SECONDS }, key, NOW))
    assert.isFalse(sendgridSignatureValid(body, headers, undefined, NOW))
  })

  test('a SendGrid verification key must be a P-256 public key', ({ assert }) => {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey
    assert.isNotNull(
      sendgridVerificationKey(p256.export({ format: 'der', type: 'spki' }).toString('base64'))
    )
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey
    assert.isNull(
      sendgridVerificationKey(p384.export({ format: 'der', type: 'spki' }).toString('base64'))
    )
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey
    assert.isNull(
      sendgridVerificationKey(rsa.export({ format: 'der', type: 'spki' }).toString('base64'))
    )
    assert.isNull(sendgridVerificationKey('MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE'))
    assert.isNull(sendgridVerificationKey('not base64 at all!'))
    assert.isNull(sendgridVerificationKey(undefined))
  })

  test('Brevo: the token as a bearer token, nothing else', ({ assert }) => {
    const token = 'a-long-random-brevo-webhook-token'
    assert.isTrue(bearerTokenValid(`Bearer ${token}`, token))
    assert.isTrue(bearerTokenValid(`bearer  ${token}`, token))
    assert.isFalse(bearerTokenValid(`Bearer ${token}x`, token))
    assert.isFalse(bearerTokenValid(token, token))
    assert.isFalse(bearerTokenValid(`Basic ${token}`, token))
    assert.isFalse(bearerTokenValid(undefined, token))
    assert.isFalse(bearerTokenValid(`Bearer ${token}`, undefined))
  })
})
