/*
| One engine's run of the import benchmark, inside a booted app (database
| and storage as configured by the environment bench/import.js sets).
| Prints one JSON line per format.
*/
import { readFileSync } from 'node:fs'
import { benchOrg, bootApp, childrenRssMb } from './_app.js'

const app = await bootApp()

const { default: CreateImport } = await import('#imports/actions/create_import')
const { default: db } = await import('@adonisjs/lucid/services/db')

/** Resident memory of this process and every child it started (the import reader runs in one), MB. */
const treeRss = () => process.memoryUsage().rss / 1024 / 1024 + childrenRssMb()

const org = await benchOrg()

const files = JSON.parse(process.env.BENCH_FILES!) as Array<{
  format: string
  path: string
  rows: number
  warm: string
}>
// A server has its import thread warm: a small file of each format first (code loaded, JIT warm).
for (const file of files) {
  const warm = await CreateImport.handle({
    org,
    file: {
      bytes: new Uint8Array(readFileSync(file.warm)),
      originalName: file.warm.split('/').pop()!,
    },
    actorUserId: null,
  })
  if (warm.kind !== 'created') throw new Error(`warm-up refused: ${warm.kind}`)
  const result = await warm.run
  if (result.kind !== 'ready') throw new Error(`warm-up ${result.kind}`)
}
const baseline = treeRss()
for (const file of files) {
  const bytes = new Uint8Array(readFileSync(file.path))
  let peak = treeRss()
  const sampler = setInterval(() => (peak = Math.max(peak, treeRss())), 25)
  const started = performance.now()
  const created = await CreateImport.handle({
    org,
    file: { bytes, originalName: file.path.split('/').pop()! },
    actorUserId: null,
  })
  if (created.kind !== 'created') throw new Error(`import refused: ${created.kind}`)
  const result = await created.run
  const seconds = (performance.now() - started) / 1000
  clearInterval(sampler)
  if (result.kind !== 'ready') throw new Error(`import ${result.kind}: ${JSON.stringify(result)}`)
  const stored = await db
    .from('file_import_rows')
    .where('import_job_id', result.job.id)
    .count('* as total')
  console.log(
    JSON.stringify({
      bench: 'import',
      engine: process.env.DB_CONNECTION,
      format: file.format,
      rows: Number(stored[0].total),
      seconds: Math.round(seconds * 100) / 100,
      rows_per_s: Math.round(file.rows / seconds),
      peak_rss_mb: Math.round(peak),
      baseline_rss_mb: Math.round(baseline),
      bytes: bytes.length,
    })
  )
}
await app.terminate()
process.exit(0)
