/*
| The monthly billing run at scale: 10,000 orgs (their trials long over,
| one in ten with a GSTIN, states spread over India so both CGST + SGST
| and IGST are charged, one in twenty with a price override from mid-month)
| and 1,000,000 usage events in October 2026, then one `billing:run` for
| October as the scheduler runs it (`RunBilling`: every org's period closed
| and invoiced, batch by batch) while a queue worker draws and stores each
| committed batch's PDFs and runs their mail jobs, as a web process's
| worker does beside the scheduler, on SQLite and, when reachable,
| PostgreSQL. The seeding is not timed.
|
| One JSON line per engine: wall seconds from the run's start to the last
| PDF stored, the run's own seconds and what the PDFs took after it,
| invoices per second, peak resident memory of the process (its threads
| included).
|
|   npm run bench -- billing [--orgs=10000] [--events=1000000] [--engines=sqlite,postgres] [--source]
|
|   target: ≤ 30 s wall on our 2-core machines, RSS ≤ 600 MB
*/
import { loadavg } from 'node:os'
import { appEnv, benchApp, engines, machine, onEngines, option, withWorkFolder } from './_harness.js'

const ORGS = Number(option('orgs', 10_000))
const EVENTS = Number(option('events', 1_000_000))
const app = benchApp()

await withWorkFolder('billing', (work) =>
  onEngines(engines(), work, (engine, databaseEnv) => {
    const env = {
      ...appEnv({ work, engine, port: 3393 }),
      QUEUE_WORKER: 'off',
      BENCH_ORGS: String(ORGS),
      BENCH_EVENTS: String(EVENTS),
      BENCH_ENGINE: engine,
      ...databaseEnv,
    }
    app.migrate(env)
    const load = Math.round(loadavg()[0] * 100) / 100
    const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : []
    for (const line of app.run('_billing_run', env, { label: `billing ${engine}`, nodeArgs })) {
      console.log(JSON.stringify({ ...line, mode: app.mode, load_1m_before: load, machine: machine() }))
    }
  })
)
