/*
| Loaded into a server bench/verify.js profiles (`--import`): counts the SQL
| statements the process runs, by statement text, through the two drivers
| (better-sqlite3's Statement run/get/all/iterate, pg's Client#query).
| It counts the HTTP requests it receives too, so statements per request
| include those still queued when the load stopped. SIGUSR2 starts both
| counts again (the bench sends it when the measured case starts); on exit
| they are written as JSON to BENCH_QUERY_LOG.
*/
import { createRequire } from 'node:module'
import { writeFileSync } from 'node:fs'
import http from 'node:http'

const out = process.env.BENCH_QUERY_LOG
const counts = new Map<string, number>()
const count = (sql: string) => {
  const text = sql.replace(/\s+/g, ' ').trim().slice(0, 160)
  counts.set(text, (counts.get(text) ?? 0) + 1)
}

const require = createRequire(`${process.cwd()}/`)

const BetterSqlite = require('better-sqlite3')
const probe = new BetterSqlite(':memory:')
const statement = Object.getPrototypeOf(probe.prepare('select 1'))
probe.close()
for (const method of ['run', 'get', 'all', 'iterate']) {
  const original = statement[method]
  // Named so a profile reads it: the statement's native execution is counted as this frame's self time.
  statement[method] = function sqliteStatementExecution(
    this: { source: string },
    ...args: unknown[]
  ) {
    count(this.source)
    return original.apply(this, args)
  }
}

const pg = require('pg')
const query = pg.Client.prototype.query
pg.Client.prototype.query = function pgClientQuery(
  this: unknown,
  config: unknown,
  ...rest: unknown[]
) {
  const text =
    typeof config === 'string' ? config : ((config as { text?: string } | null)?.text ?? '')
  if (text) count(text)
  return query.call(this, config, ...rest)
}

let requests = 0
const emit = http.Server.prototype.emit
http.Server.prototype.emit = function (this: http.Server, event: string, ...args: unknown[]) {
  if (event === 'request') requests++
  return emit.apply(this, [event, ...args] as Parameters<typeof emit>)
} as typeof emit

process.on('SIGUSR2', () => {
  counts.clear()
  requests = 0
})
process.on('exit', () => {
  if (out) writeFileSync(out, JSON.stringify({ requests, statements: Object.fromEntries(counts) }))
})
