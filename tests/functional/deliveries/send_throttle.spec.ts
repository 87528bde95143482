import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { randomUUID } from 'node:crypto'
import deliveries from '#config/deliveries'
import { DAY_MS, planSlots, type SenderLimits } from '#deliveries/services/send_throttle'

/*
| A send job's group of messages takes its throttle slots in one plan
| (#deliveries/services/send_throttle planSlots): in order, spaced by the
| rate, and written only for the messages the worker keeps. These specs read
| the tables the plan writes; the end-to-end rate (no second at the SMTP
| server above R, across two workers) is in send_email.spec.ts and
| send_crash.spec.ts.
*/
const NOW = 1_800_000_000_000

function limits(overrides: Partial<SenderLimits> = {}): SenderLimits {
  return {
    key: `integration:${randomUUID()}`,
    ratePerSecond: 10,
    recipientGapMs: 0,
    dailyUniqueTier: null,
    ...overrides,
  }
}

const requests = (addresses: string[]) =>
  addresses.map((address) => ({ messageId: randomUUID(), address }))

async function slotRows(key: string) {
  const rows = await db
    .from('delivery_throttle_slots')
    .where('sender_key', key)
    .orderBy('slot_no')
    .select('slot_no', 'message_id', 'started_ms')
  return rows.map((row) => ({
    slotNo: Number(row.slot_no),
    messageId: row.message_id,
    startedMs: Number(row.started_ms),
  }))
}

test.group('Throttle slots planned for a group of messages', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('slots follow each other at 1/rate; a slot past the wait limit sends the rest of the group later', async ({
    assert,
  }) => {
    const sender = limits({ ratePerSecond: 4 })
    const asked = requests(['a@x.in', 'b@x.in', 'c@x.in', 'd@x.in', 'e@x.in'])
    await db.transaction(async (trx) => {
      // 4/s with room for 4 in the log: 250 ms apart, the fifth waits for the first answer + 1 s.
      const plan = await planSlots(trx, sender, asked, NOW)
      assert.deepEqual(
        plan.reservations.map((r) => [r.kind, r.atMs]),
        [
          ['slot', NOW],
          ['slot', NOW + 250],
          ['slot', NOW + 500],
          ['slot', NOW + 750],
          // The first send counts as answered only at its timeout: far beyond maxSlotWaitMs.
          ['later', NOW + deliveries.sendTimeoutMs + 1000],
        ]
      )
      assert.equal((plan.reservations[4] as { reason: string }).reason, 'rate')
      await plan.commit([0, 1, 2, 3])
    })
    const throttle = await db
      .from('delivery_throttles')
      .where('sender_key', sender.key)
      .firstOrFail()
    assert.equal(Number(throttle.next_slot_ms), NOW + 1000)
  })

  test('a message the worker drops takes no slot, and the log stays numbered 0..n-1', async ({
    assert,
  }) => {
    const sender = limits({ ratePerSecond: 10 })
    const asked = requests(['a@x.in', 'b@x.in', 'c@x.in', 'd@x.in'])
    await db.transaction(async (trx) => {
      const plan = await planSlots(trx, sender, asked, NOW)
      // The second message had moved on (sent by another worker): not kept.
      await plan.commit([0, 2, 3])
      assert.deepEqual(
        [0, 2, 3].map((i) => (plan.reservations[i] as { slotNo: number }).slotNo),
        [0, 1, 2]
      )
    })
    const rows = await slotRows(sender.key)
    assert.deepEqual(
      rows.map((row) => [row.slotNo, row.messageId]),
      [
        [0, asked[0].messageId],
        [1, asked[2].messageId],
        [2, asked[3].messageId],
      ]
    )
    // The next group numbers on from there.
    const more = requests(['e@x.in'])
    await db.transaction(async (trx) => {
      const plan = await planSlots(trx, sender, more, NOW + 5)
      await plan.commit([0])
      assert.equal((plan.reservations[0] as { slotNo: number }).slotNo, 3)
    })
  })

  test('once the log is full, the oldest answered rows are taken over, one per message', async ({
    assert,
  }) => {
    const sender = limits({ ratePerSecond: 2 })
    await db.transaction(async (trx) => {
      const plan = await planSlots(trx, sender, requests(['a@x.in', 'b@x.in']), NOW)
      await plan.commit([0, 1])
    })
    // Both answered: slot 1 first, then slot 0.
    await db
      .from('delivery_throttle_slots')
      .where('sender_key', sender.key)
      .where('slot_no', 1)
      .update({ done_ms: NOW + 600 })
    await db
      .from('delivery_throttle_slots')
      .where('sender_key', sender.key)
      .where('slot_no', 0)
      .update({ done_ms: NOW + 700 })
    await db.transaction(async (trx) => {
      const plan = await planSlots(trx, sender, requests(['c@x.in', 'd@x.in']), NOW + 800)
      assert.deepEqual(
        plan.reservations.map((r) => [r.kind, r.atMs, (r as { slotNo?: number }).slotNo]),
        [
          ['slot', NOW + 1600, 1],
          ['slot', NOW + 2100, 0],
        ]
      )
      await plan.commit([0, 1])
    })
  })

  test('one recipient twice in a group: the second waits for the recipient gap', async ({
    assert,
  }) => {
    const sender = limits({ ratePerSecond: 100, recipientGapMs: 6_000 })
    await db.transaction(async (trx) => {
      const plan = await planSlots(trx, sender, requests(['919800000001', '919800000001']), NOW)
      assert.equal(plan.reservations[0].kind, 'slot')
      assert.deepEqual(plan.reservations[1], {
        kind: 'later',
        atMs: NOW + 6_000,
        reason: 'recipient_gap',
      })
      await plan.commit([0])
    })
    const [recipient] = await db
      .from('delivery_throttle_recipients')
      .where('sender_key', sender.key)
    assert.equal(Number(recipient.last_sent_ms), NOW)
  })

  test('the daily tier counts the group’s new recipients as it goes; the one over it waits a day', async ({
    assert,
  }) => {
    const sender = limits({ ratePerSecond: 100, dailyUniqueTier: 3 })
    await db.table('delivery_throttle_recipients').insert({
      sender_key: sender.key,
      address: '919800000009',
      last_sent_ms: NOW - 60_000,
    })
    await db.transaction(async (trx) => {
      const plan = await planSlots(
        trx,
        sender,
        // Already counted today: 919800000009 (no new unique recipient).
        requests(['919800000001', '919800000009', '919800000002', '919800000003']),
        NOW
      )
      assert.deepEqual(
        plan.reservations.map((r) => r.kind),
        ['slot', 'slot', 'slot', 'later']
      )
      assert.deepEqual(plan.reservations[3], {
        kind: 'later',
        atMs: NOW - 60_000 + DAY_MS + 1,
        reason: 'daily_tier',
      })
    })
  })
})
