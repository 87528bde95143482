/*
| Certificate generation end to end: an org, a one-page template (six text
| fields in two fonts, a QR code) and recipient lists of 1,000 and 10,000
| rows (an Indic name in every tenth) made through the real actions, then a
| generation job per list issued by the queue worker the web process runs
| (`QueueWorker`: chunks claimed, numbered, rendered in the rendering
| threads, stored on a throwaway Drive fs disk, issued). On SQLite and,
| when PG_HOST/DATABASE_URL (default 127.0.0.1:5432, user postgres)
| answers, PostgreSQL. Each list is issued by a fresh process warmed by a
| 2,000-recipient job (a server that has issued a few thousand
| certificates since it started; BENCH_WARM=N to change). The same certificates' data is then rendered by
| @pdfme/generator in one `generate()` batch for comparison.
|
| One JSON line per engine and list: certificates/s (worker start to the
| job row completed), pdfme's certificates/s and our speed ÷ pdfme's, p99
| event-loop delay of the process running the worker while it ran, bytes
| stored per certificate (its part plus its share of the chunk's base),
| the template's source PDF size, peak resident memory (threads included).
|
| Two cases (`"case"` in the JSON line): `simple`, the 1.8 KB template above
| with Latin names (an Indic one in ten), and `realistic`, a real PDF page from
| the fixtures (tracemonkey.pdf's first, with its own fonts and figures) as the
| template, four text fields and a QR code, names in the 13 scripts we print
| (Latin, nine Indic, Urdu, Ol Chiki, Meetei Mayek), each certificate embedding
| the subsets of its own letters.
|
|   npm run bench -- generate [--case=simple,realistic] [--recipients=1000,10000] [--pdfme=1000] [--lanes=N] [--engines=sqlite,postgres] [--source]
|
| Production build (`node ace build`) unless --source, as bench/import.js.
| GENERATION_THREADS / GENERATION_CHUNK_SIZE in the environment pass through.
| On ext4 without a journal (these machines), inodes freed in the last few
| minutes make new files slow to create (the allocator skips them, one
| lookup each): run it a few minutes after deleting many files (a test run).
|
|   targets: ≥ 1000 certificates/s, ≥ 25× pdfme, p99 ≤ 50 ms, ≤ 10 KB per certificate beyond the template
*/
import { loadavg } from 'node:os'
import { join } from 'node:path'
import {
  appEnv,
  benchApp,
  engines,
  machine,
  onEngines,
  option,
  root,
  withWorkFolder,
} from './_harness.js'

const SIZES = String(option('recipients', '1000,10000'))
  .split(',')
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0)
const CASES = String(option('case', 'simple,realistic'))
  .split(',')
  .filter((name) => ['simple', 'realistic'].includes(name))
const PDFME_MAX = Number(option('pdfme', 1000))
const LANES = option('lanes', null)
const TRACE = Boolean(process.env.BENCH_TRACE)
const app = benchApp()

await withWorkFolder('generate', (work) =>
  onEngines(engines(), work, (engine, databaseEnv) => {
    const env = {
      ...appEnv({ work, engine, port: 3392 }),
      LOG_LEVEL: TRACE ? 'debug' : 'silent',
      GENERATION_WORKER: 'off',
      BENCH_PDFME_MAX: String(PDFME_MAX),
      BENCH_ENGINE: engine,
      ...(LANES ? { BENCH_LANES: String(LANES) } : {}),
      ...databaseEnv,
    }
    app.migrate(env)
    // One process per case and list: each figure is a warm server issuing that job, not that job after the other.
    for (const benchCase of CASES)
      for (const recipients of SIZES) {
        // Other work on the machine shows in every figure here: the load average before the run is printed with them.
        const load = Math.round(loadavg()[0] * 100) / 100
        const lines = app.run(
          '_generate_run',
          {
            ...env,
            BENCH_RECIPIENTS: String(recipients),
            BENCH_CASE: benchCase,
            BENCH_TEMPLATE_PDF: join(root, '../shared/fixtures/pdf/tracemonkey.pdf'),
          },
          {
            label: `${engine} ${benchCase} ${recipients}`,
            nodeArgs: process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [],
            // With BENCH_TRACE the app's debug log (a line per chunk) and the run's trace go to stderr.
            trace: TRACE,
          }
        )
        for (const line of lines)
          console.log(
            JSON.stringify({ ...line, mode: app.mode, load_1m_before: load, machine: machine() })
          )
      }
  })
)
