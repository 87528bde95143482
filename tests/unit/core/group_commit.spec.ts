import { test } from '@japa/runner'
import { setTimeout as sleep } from 'node:timers/promises'
import db from '@adonisjs/lucid/services/db'
import { GroupCommit } from '#core/services/group_commit'

/*
| Group commit (#core/services/group_commit): writes that arrive while a
| transaction runs go together in the next; with `gatherMs` the first write
| of an idle writer waits that long for others. Every caller's promise
| settles after its own write committed, and a bad item fails only its caller.
*/
const TABLE = 'tmp_group_commit_probe'

/** A writer that inserts each item as a row and records the size of every group it was given. */
function probeWriter(options?: { gatherMs?: number }) {
  const groups: number[][] = []
  const writer = new GroupCommit<number, number>(async (trx, items) => {
    groups.push([...items])
    if (items.includes(-1)) throw new Error('item -1 is refused')
    await trx.table(TABLE).multiInsert(items.map((n) => ({ n })))
    return items.map((n) => n * 2)
  }, options)
  return { writer, groups }
}

async function stored() {
  const rows = await db.from(TABLE).select('n').orderBy('n')
  return rows.map((row) => Number(row.n))
}

test.group('GroupCommit', (group) => {
  group.each.setup(async () => {
    await db.rawQuery(`create table if not exists ${TABLE} (n integer)`)
    await db.from(TABLE).delete()
    return () => db.rawQuery(`drop table if exists ${TABLE}`)
  })

  test('a lone write goes at once; writes arriving during its transaction go together in the next', async ({
    assert,
  }) => {
    const { writer, groups } = probeWriter()
    const first = writer.submit(1)
    const rest = [2, 3, 4].map((n) => writer.submit(n))
    assert.deepEqual(await Promise.all([first, ...rest]), [2, 4, 6, 8])
    assert.deepEqual(groups, [[1], [2, 3, 4]])
    assert.deepEqual(await stored(), [1, 2, 3, 4])
  })

  test('with gatherMs, writes spread over the window go in one transaction', async ({ assert }) => {
    const { writer, groups } = probeWriter({ gatherMs: 40 })
    const submitted = [writer.submit(1)]
    await sleep(5)
    submitted.push(writer.submit(2))
    await sleep(5)
    submitted.push(writer.submit(3))
    assert.deepEqual(await Promise.all(submitted), [2, 4, 6])
    assert.deepEqual(groups, [[1, 2, 3]])
    // Without it, the same arrivals start a transaction for the first alone.
    const plain = probeWriter()
    const again = [plain.writer.submit(11)]
    await sleep(5)
    again.push(plain.writer.submit(12))
    await Promise.all(again)
    assert.deepEqual(plain.groups[0], [11])
  })

  test('a bad item fails only its caller: the group is tried again an item at a time', async ({
    assert,
  }) => {
    const { writer } = probeWriter({ gatherMs: 10 })
    const outcomes = await Promise.allSettled([5, -1, 6].map((n) => writer.submit(n)))
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled']
    )
    assert.deepEqual(await stored(), [5, 6])
  })
})
