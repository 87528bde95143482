import { test } from '@japa/runner'
import { createRequire } from 'node:module'
import db from '@adonisjs/lucid/services/db'
import { writeTransaction } from '#core/services/write_transaction'

/*
| SQLite transactions begin immediate (#core/services/sqlite_statements): a
| transaction that reads, then writes, cannot fail because another process
| committed in between. The other process is a second connection to the
| same file, as the queue worker is.
*/
const require = createRequire(import.meta.url)
const Database = require('better-sqlite3')
const onSqlite = () => db.connection().dialect.name === 'better-sqlite3'
const TABLE = 'tmp_transaction_probe'

function otherProcess() {
  const { filename } = db.manager.get(db.primaryConnectionName)!.config.connection as {
    filename: string
  }
  const other = new Database(filename)
  other.pragma('busy_timeout = 0')
  return other
}

/** Whether the other connection could write now (false: the write lock is held). */
function otherCanWrite(other: InstanceType<typeof Database>, n: number) {
  try {
    other.prepare(`insert into ${TABLE} (n) values (?)`).run(n)
    return true
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return false
    throw error
  }
}

test.group('SQLite transactions', (group) => {
  group.each.setup(async () => {
    if (!onSqlite()) return async () => {}
    await db.rawQuery(`create table if not exists ${TABLE} (n integer)`)
    await db.rawQuery(`delete from ${TABLE}`)
    return async () => {
      await db.rawQuery(`drop table if exists ${TABLE}`)
    }
  })

  test('a transaction that reads and then writes holds the write lock from its start: nobody commits under it', async ({
    assert,
  }) => {
    const other = otherProcess()
    try {
      await db.transaction(async (trx) => {
        await trx.from(TABLE).count('* as total')
        // Begun deferred, the other process could commit here and the write below would fail with SQLITE_BUSY.
        assert.isFalse(otherCanWrite(other, 1), 'another process wrote inside the transaction')
        await trx.table(TABLE).insert({ n: 2 })
      })
      assert.isTrue(otherCanWrite(other, 3), 'the lock is released at commit')
      const rows = await db.from(TABLE).select('n').orderBy('n')
      assert.deepEqual(
        rows.map((row) => row.n),
        [2, 3]
      )
    } finally {
      other.close()
    }
  }).skip(!onSqlite(), 'SQLite only')

  test('writeTransaction begins deferred and takes the lock itself, waiting for a busy lock off the event loop', async ({
    assert,
  }) => {
    const other = otherProcess()
    try {
      // The other process holds the write lock for a moment, as a worker's commit does.
      other.prepare('begin immediate').run()
      other.prepare(`insert into ${TABLE} (n) values (?)`).run(1)
      let ticks = 0
      const ticking = setInterval(() => ticks++, 1)
      setTimeout(() => other.prepare('commit').run(), 50)
      await writeTransaction(async (trx) => {
        await trx.table(TABLE).insert({ n: 2 })
      })
      clearInterval(ticking)
      assert.isAbove(ticks, 5, 'the event loop ran while the lock was busy')
      const rows = await db.from(TABLE).select('n').orderBy('n')
      assert.deepEqual(
        rows.map((row) => row.n),
        [1, 2]
      )
    } finally {
      other.close()
    }
  }).skip(!onSqlite(), 'SQLite only')
})
