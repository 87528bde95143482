import { test } from '@japa/runner'
import { createRequire } from 'node:module'
import { keepPreparedStatements } from '#core/services/sqlite_statements'

/*
| Statements kept per SQLite connection (#core/services/sqlite_statements):
| the same SQL gets the same prepared statement back, in the connection's
| integer mode, and the cache stays bounded.
*/
const require = createRequire(import.meta.url)
const Database = require('better-sqlite3')

function connection() {
  const db = new Database(':memory:')
  keepPreparedStatements(db)
  db.prepare('create table t (n integer)').run()
  return db
}

test.group('SQLite statements kept per connection', () => {
  test('the same SQL is prepared once and its statement runs again with new bindings', ({
    assert,
  }) => {
    const db = connection()
    const insert = db.prepare('insert into t (n) values (?)')
    assert.strictEqual(db.prepare('insert into t (n) values (?)'), insert)
    insert.run(1)
    db.prepare('insert into t (n) values (?)').run(2)
    assert.deepEqual(db.prepare('select n from t order by n').all(), [{ n: 1 }, { n: 2 }])
    db.close()
  })

  test('a statement switched to big integers by one caller comes back in the default mode', ({
    assert,
  }) => {
    const db = connection()
    db.prepare('insert into t (n) values (?)').run(7)
    db.prepare('select n from t').safeIntegers(true)
    assert.deepEqual(db.prepare('select n from t').all(), [{ n: 7 }])
    db.close()
  })

  test('at most 200 statements are kept, the least recently used dropped first; very long SQL, savepoints and pragmas are not kept', ({
    assert,
  }) => {
    const db = connection()
    const first = db.prepare('select 0 as n')
    for (let i = 1; i <= 200; i++) db.prepare(`select ${i} as n`)
    assert.notStrictEqual(db.prepare('select 0 as n'), first, 'dropped: prepared anew')
    const recent = db.prepare('select 200 as n')
    assert.strictEqual(db.prepare('select 200 as n'), recent)
    const long = `select n from t where n in (${Array.from({ length: 6000 }, () => '?').join(', ')})`
    assert.notStrictEqual(db.prepare(long), db.prepare(long))
    db.prepare('savepoint trx1').run()
    assert.notStrictEqual(
      db.prepare('release trx1'),
      db.prepare('release trx1'),
      'savepoints are not kept'
    )
    assert.notStrictEqual(db.prepare('pragma foreign_keys'), db.prepare('pragma foreign_keys'))
    db.close()
  })
})
