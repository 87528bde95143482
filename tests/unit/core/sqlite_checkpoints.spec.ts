import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { BACKSTOP_PAGES, prepareSqliteConnection } from '#core/services/sqlite_checkpoints'
import { writeLocalObjects } from '#core/services/local_object_writer'

// The driver Lucid uses on SQLite (it ships no types).
const Database = createRequire(import.meta.url)('better-sqlite3')

async function until(condition: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  while (!condition() && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 25))
  return condition()
}

test.group('SQLite checkpoints in a thread', () => {
  test('a connection commits without checkpointing; the thread copies the log into the database file', async ({
    assert,
    cleanup,
  }) => {
    const dir = mkdtempSync(join(tmpdir(), 'authentix-wal-'))
    const filename = join(dir, 'db.sqlite3')
    const connection = new Database(filename)
    cleanup(() => {
      connection.close()
      rmSync(dir, { recursive: true, force: true })
    })
    prepareSqliteConnection(connection)
    assert.equal(connection.pragma('wal_autocheckpoint', { simple: true }), BACKSTOP_PAGES)
    connection.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB)')
    // ~2,000 pages: far below the backstop, so only the thread can have moved them into the database file.
    const insert = connection.prepare('INSERT INTO blobs (body) VALUES (?)')
    connection.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run(Buffer.alloc(4000, i % 251))
    })()
    assert.isAbove(statSync(`${filename}-wal`).size, 7_000_000)
    assert.isTrue(
      await until(() => statSync(filename).size > 7_000_000, 5000),
      'the database file never received the log'
    )
    assert.equal(connection.prepare('SELECT count(*) AS n FROM blobs').get().n, 2000)
  })

  test('an in-memory database gets the pragmas and no thread', ({ assert }) => {
    const connection = new Database(':memory:')
    prepareSqliteConnection(connection)
    assert.equal(connection.pragma('foreign_keys', { simple: true }), 1)
    connection.close()
  })
})

test.group('Local object writer', () => {
  test('writes every object at root/key, creating directories, replacing what was there', async ({
    assert,
    cleanup,
  }) => {
    const root = mkdtempSync(join(tmpdir(), 'authentix-objects-'))
    cleanup(() => rmSync(root, { recursive: true, force: true }))
    const shared = new Uint8Array([1, 2, 3, 4, 5, 6])
    await writeLocalObjects(root, [
      { key: 'certificates/o/j/r1/a.pdf', bytes: shared.subarray(0, 2) },
      { key: 'certificates/o/j/r2/b.pdf', bytes: shared.subarray(2, 6) },
    ])
    assert.deepEqual([...readFileSync(join(root, 'certificates/o/j/r1/a.pdf'))], [1, 2])
    assert.deepEqual([...readFileSync(join(root, 'certificates/o/j/r2/b.pdf'))], [3, 4, 5, 6])
    await writeLocalObjects(root, [
      { key: 'certificates/o/j/r1/a.pdf', bytes: new Uint8Array([9]) },
    ])
    assert.deepEqual([...readFileSync(join(root, 'certificates/o/j/r1/a.pdf'))], [9])
  })

  test('a failed write rejects with the reason', async ({ assert, cleanup }) => {
    const root = mkdtempSync(join(tmpdir(), 'authentix-objects-'))
    cleanup(() => rmSync(root, { recursive: true, force: true }))
    await writeLocalObjects(root, [{ key: 'certificates/o/file', bytes: new Uint8Array([1]) }])
    // A directory is wanted where a file already is.
    await assert.rejects(
      () =>
        writeLocalObjects(root, [{ key: 'certificates/o/file/x.pdf', bytes: new Uint8Array([1]) }]),
      /writing objects failed: .*(ENOTDIR|EEXIST)/
    )
  })
})
