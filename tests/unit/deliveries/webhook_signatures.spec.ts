import { createHmac } from 'node:crypto'
import { test } from '@japa/runner'
import {
  constantTimeEqual,
  hubSignatureValid,
  mailgunSignatureValid,
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
})
