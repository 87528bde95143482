import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import { durationUntil, funnelOf } from '#deliveries/presenters/delivery_panel'
import { emptyStatusCounts } from '#deliveries/queries/delivery_counts'

test.group('Delivery panel: funnels and durations', () => {
  test('a funnel is cumulative: read messages were delivered and sent; cancelled shows only when any', ({
    assert,
  }) => {
    const counts = {
      ...emptyStatusCounts(),
      queued: 2,
      sending: 1,
      sent: 3,
      delivered: 2,
      read: 1,
      failed: 1,
    }
    const funnel = funnelOf('whatsapp', counts)
    assert.equal(funnel.total, 10)
    assert.equal(funnel.waiting, 3)
    assert.deepEqual(
      funnel.bars.map((bar) => [bar.key, bar.count, bar.percent]),
      [
        ['queued', 10, 100],
        ['sent', 6, 60],
        ['delivered', 3, 30],
        ['read', 1, 10],
        ['failed', 1, 10],
        ['suppressed', 0, 0],
      ]
    )
    const cancelled = funnelOf('email', { ...emptyStatusCounts(), cancelled: 4, sent: 1 })
    assert.deepEqual(cancelled.bars.at(-1), {
      key: 'cancelled',
      label: 'Cancelled',
      count: 4,
      percent: 80,
    })
    assert.equal(cancelled.waiting, 0)
    const none = funnelOf('email', emptyStatusCounts())
    assert.isTrue(none.bars.every((bar) => bar.percent === 0))
  })

  test('how long until the throttle lets the last message go, in words', ({ assert }) => {
    const now = DateTime.utc()
    assert.isNull(durationUntil(null, now))
    assert.isNull(durationUntil(now.minus({ seconds: 5 }), now))
    assert.equal(durationUntil(now.plus({ seconds: 20 }), now), 'under a minute')
    assert.equal(durationUntil(now.plus({ minutes: 12 }), now), '~12 min')
    assert.equal(durationUntil(now.plus({ hours: 3, minutes: 20 }), now), '~3 h 20 min')
    assert.equal(durationUntil(now.plus({ hours: 2 }), now), '~2 h')
    assert.equal(durationUntil(now.plus({ days: 3 }), now), '~3 days')
  })
})
