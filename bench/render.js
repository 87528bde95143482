/*
| The certificate renderer alone (no database, no storage): a one-page
| template with six text fields in two fonts (one Indic name in every ten
| rows) and a QR code, prepared once for all rows, then every row rendered.
| Prints prepare time, certificates per second on one thread and on one
| worker thread per core, and the bytes each certificate adds to the
| prepared template.
|
|   npm run bench -- render [--rows=2000]
*/
import { Worker } from 'node:worker_threads'
import { cpus } from 'node:os'
import { machine } from './_machine.js'

await import('ts-node-maintained/register/esm')

const option = (name, fallback) => {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  return arg ? Number(arg.split('=')[1]) : fallback
}
const ROWS = option('rows', 2000)

const scenario = await import('./_render_scenario.ts')
const { snapshot, rows } = await scenario.build(ROWS)

// One thread.
const { PreparedTemplate } = await import('#templates/services/prepared_template')
let started = performance.now()
const prepared = await PreparedTemplate.prepare(snapshot, rows)
const prepareMs = performance.now() - started
started = performance.now()
let unique = 0
for (const row of rows) unique += prepared.render(row).length - prepared.baseBytes.length
const singleSeconds = (performance.now() - started) / 1000

// One worker thread per core, each preparing its own share (as generation workers would).
const threads = Math.max(1, cpus().length)
const hook = import.meta.resolve('ts-node-maintained/register/esm')
const task = new URL('./_render_scenario.ts', import.meta.url).href
started = performance.now()
await Promise.all(
  Array.from({ length: threads }, (_, index) => {
    const share = rows.filter((_, i) => i % threads === index)
    return new Promise((resolve, reject) => {
      const worker = new Worker(
        `import(${JSON.stringify(hook)}).then(() => import(${JSON.stringify(task)})).then((m) => m.renderInThread())`,
        {
          eval: true,
          workerData: { snapshot, rows: share },
        }
      )
      worker.on('message', resolve)
      worker.on('error', reject)
    })
  })
)
const parallelSeconds = (performance.now() - started) / 1000

console.log(
  JSON.stringify({
    bench: 'render',
    rows: ROWS,
    prepare_ms: Math.round(prepareMs),
    base_bytes: prepared.baseBytes.length,
    bytes_per_cert: Math.round(unique / ROWS),
    certs_per_s_one_thread: Math.round(ROWS / singleSeconds),
    threads,
    certs_per_s_threads: Math.round(ROWS / parallelSeconds),
    note: 'thread figures include each thread loading the app code and preparing its share',
    machine: machine(),
  })
)
process.exit(0)
