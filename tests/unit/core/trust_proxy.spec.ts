import { test } from '@japa/runner'
import { http } from '#config/app'

test.group('Trusted proxies', () => {
  test('X-Forwarded-For is believed from loopback only, so remote clients cannot forge their IP', ({
    assert,
  }) => {
    const trust = http.trustProxy as (address: string, distance: number) => boolean
    assert.isTrue(trust('127.0.0.1', 0))
    assert.isTrue(trust('::1', 0))
    assert.isFalse(trust('203.0.113.7', 0))
    assert.isFalse(trust('10.0.0.5', 0))
  })
})
