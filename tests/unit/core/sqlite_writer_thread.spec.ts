import { test } from '@japa/runner'
import { createRequire } from 'node:module'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteThreadError, SqliteWriterThread } from '#core/services/sqlite_writer_thread'

/*
| The writer thread runs on a SQLite file of its own here, whatever the
| suite's engine: what is checked is the thread, not the app's database.
*/
const require = createRequire(import.meta.url)
const Database = require('better-sqlite3')

function freshDatabase() {
  const folder = mkdtempSync(join(tmpdir(), 'writer-thread-'))
  const file = join(folder, 'db.sqlite3')
  const main = new Database(file)
  main.pragma('journal_mode = WAL')
  main.exec(
    'create table parents (id integer primary key); create table views (id text primary key, parent_id integer not null references parents(id))'
  )
  main.prepare('insert into parents (id) values (1)').run()
  return { file, main, remove: () => (main.close(), rmSync(folder, { recursive: true })) }
}

/** A fresh database and a writer thread on it, both gone when the test ends. */
function freshThread(cleanup: (fn: () => Promise<void>) => void) {
  const { file, main, remove } = freshDatabase()
  const thread = new SqliteWriterThread(file)
  cleanup(async () => {
    await thread.close()
    remove()
  })
  return { main, thread }
}

const insert = (id: string, parent = 1) => ({
  sql: 'insert into views (id, parent_id) values (?, ?)',
  bindings: [id, parent],
})

test.group('SQLite writer thread', () => {
  test('runs a write’s statements in one transaction and answers the rows changed', async ({
    assert,
    cleanup,
  }) => {
    const { main, thread } = freshThread(cleanup)

    assert.equal(await thread.run([insert('a'), insert('b'), insert('c')]), 3)
    assert.equal(await thread.run([insert('d')]), 1)
    assert.deepEqual(
      main
        .prepare('select id from views order by id')
        .all()
        .map((row: { id: string }) => row.id),
      ['a', 'b', 'c', 'd']
    )
    assert.equal(thread.pending, 0)
  })

  test('a statement refused (a foreign key) fails its whole write with SQLite’s code; the next write goes', async ({
    assert,
    cleanup,
  }) => {
    const { main, thread } = freshThread(cleanup)

    const refused = await thread.run([insert('kept?'), insert('orphan', 99)]).then(
      () => null,
      (error) => error
    )
    assert.instanceOf(refused, SqliteThreadError)
    assert.equal(refused.code, 'SQLITE_CONSTRAINT_FOREIGNKEY')
    assert.equal(main.prepare('select count(*) as n from views').get().n, 0, 'rolled back whole')
    assert.equal(await thread.run([insert('next')]), 1)
  })

  test('waits for another connection’s write lock in the thread: the event loop runs on meanwhile', async ({
    assert,
    cleanup,
  }) => {
    const { main, thread } = freshThread(cleanup)
    await thread.run([insert('warm')])

    // Another process holds the write lock for 400 ms.
    main.exec('BEGIN IMMEDIATE')
    let longestGap = 0
    let last = performance.now()
    const ticks = setInterval(() => {
      const now = performance.now()
      longestGap = Math.max(longestGap, now - last)
      last = now
    }, 5)
    const written = thread.run([insert('waited')])
    let settled = false
    void written.finally(() => (settled = true))
    await new Promise((resolve) => setTimeout(resolve, 400))
    assert.isFalse(settled, 'still waiting for the lock')
    main.exec('COMMIT')
    assert.equal(await written, 1)
    clearInterval(ticks)
    // A busy handler on this thread would have stood still for the whole 400 ms.
    assert.isBelow(longestGap, 200)
    assert.equal(main.prepare("select count(*) as n from views where id = 'waited'").get().n, 1)
  })

  test('writes are answered in the order asked, and a write after close starts a new thread', async ({
    assert,
    cleanup,
  }) => {
    const { main, thread } = freshThread(cleanup)

    const order: number[] = []
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => thread.run([insert(`v${i}`)]).then(() => order.push(i)))
    )
    assert.deepEqual(
      order,
      Array.from({ length: 20 }, (_, i) => i)
    )
    await thread.close()
    assert.equal(await thread.run([insert('after')]), 1)
    assert.equal(main.prepare('select count(*) as n from views').get().n, 21)
  })
})
