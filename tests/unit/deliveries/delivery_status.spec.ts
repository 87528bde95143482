import { test } from '@japa/runner'
import {
  MESSAGE_STATUSES,
  type MessageStatus,
  isFinal,
  movesTo,
  normalizedAddress,
  statusesBefore,
} from '#deliveries/services/delivery_status'

/** Applies notifications in order as the webhook does: only forward moves count. */
function applied(events: MessageStatus[], start: MessageStatus = 'sending') {
  return events.reduce((current, next) => (movesTo(current, next) ? next : current), start)
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items]
  return items.flatMap((item, at) =>
    permutations([...items.slice(0, at), ...items.slice(at + 1)]).map((rest) => [item, ...rest])
  )
}

test.group('Delivery status', () => {
  test('sent, delivered and read end at read in every order, duplicates included', ({ assert }) => {
    for (const order of permutations<MessageStatus>(['sent', 'delivered', 'read']))
      assert.equal(applied([...order, ...order]), 'read', order.join(' → '))
  })

  test('failed is final, and comes only before the recipient had the message', ({ assert }) => {
    for (const order of permutations<MessageStatus>(['sent', 'delivered', 'read', 'failed'])) {
      const end = applied(order)
      const failedAt = order.indexOf('failed')
      const arrivedBefore = order.slice(0, failedAt).some((s) => s === 'delivered' || s === 'read')
      if (arrivedBefore) assert.notEqual(end, 'failed', order.join(' → '))
      else assert.equal(end, 'failed', order.join(' → '))
    }
    for (const next of MESSAGE_STATUSES) assert.isFalse(movesTo('failed', next))
  })

  test('suppressed only instead of sending', ({ assert }) => {
    assert.isTrue(movesTo('queued', 'suppressed'))
    for (const current of MESSAGE_STATUSES.filter((s) => s !== 'queued'))
      assert.isFalse(movesTo(current, 'suppressed'), current)
    assert.isTrue(isFinal('suppressed'))
  })

  test('statusesBefore lists exactly the statuses that move forward to one', ({ assert }) => {
    assert.deepEqual(statusesBefore('delivered'), ['queued', 'sending', 'sent'])
    assert.deepEqual(statusesBefore('failed'), ['queued', 'sending', 'sent'])
    assert.deepEqual(statusesBefore('queued'), [])
  })

  test('addresses compare normalized', ({ assert }) => {
    assert.equal(normalizedAddress('email', '  Asha.Rao@Example.IN '), 'asha.rao@example.in')
    assert.equal(normalizedAddress('whatsapp', '+91 98765-43210'), '919876543210')
  })
})
