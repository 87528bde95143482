/*
| Public verification at convocation scale: the production build (`node ace
| build`, NODE_ENV=production, the in-process queue worker, the database
| session and limiter stores, a quiet log) serving 10,000 issued
| certificates, on SQLite and on a throwaway PostgreSQL database, loaded by
| autocannon from this machine. The certificates are issued through the real
| generation path (bench/_verify_seed.ts) and their raw tokens derived as
| the app derives them.
|
| Cases, each run --runs times (default 2), one JSON line per run:
|   healthz                    GET /healthz: the floor of the stack (no target).
|   json_hit                   GET /api/v1/verify/:token over the 10,000 tokens.
|   html_hit                   GET /v/:token?via=qr (a scanned QR code), same.
|   miss                       GET /api/v1/verify/<random well-formed token>, from one address (a scanner).
|   campus                     GET /v/:token?via=qr for 2,000 distinct tokens from one address (a campus NAT):
|                              every one must be answered 200 within 60 s.
|   json_hit_while_generating  json_hit while a 10,000-certificate job, started by
|                              POST /api/v1/generation-jobs with an API key, runs in the server's workers.
| In the hit cases each token is looked at from an address of its own
| (X-Forwarded-For through the loopback proxy the app trusts, addresses
| from 198.18.0.0/15): one visitor per certificate, as at a convocation.
| The server is warmed by 3 s of json_hit and of html_hit first.
|
| Each line: req_per_s (all responses ÷ seconds), p50/p99/max latency,
| non2xx and the count per status, errors and timeouts, the target and
| whether it was `met` (hits: all 2xx as well), the server's CPU time per
| response (every thread of its process; with the job's rendering threads
| in json_hit_while_generating) and on PostgreSQL its backends' CPU time
| per response, and autocannon's own (client_cpu_ms_per_req, on the same
| cores): figures the machine's other work inflates far less than
| latency (load_1m_before says how busy it was), and the generation job's
| progress during the case.
|
|   npm run bench -- verify [--engine=sqlite|pg|both] [--duration=10] [--connections=50]
|     [--cases=json_hit,html_hit] [--runs=2] [--certificates=10000] [--log-level=error]
|     [--port=3524] [--web-processes=<cores>] [--profile[=json_hit[,html_hit]]]
|
| The server runs --web-processes web processes (WEB_CONCURRENCY; default
| one per core, as a deployment would) and, beside them, the queue worker
| their primary runs; its CPU time is all of theirs. A profiled server runs
| one web process with the queue worker inside it.
|   npm run bench -- verify --summarize=tmp/profiles/<folder>/<file>.cpuprofile
|
| PostgreSQL: 127.0.0.1:5432, user postgres (PG_HOST/PG_PORT/PG_USER/PG_PASSWORD or
| DATABASE_URL), a database created for the run and dropped after it; when it
| does not answer, a line on stderr says so and only SQLite runs.
|
| --profile starts, after the measured runs, a fresh server per named case
| (default json_hit) with `--cpu-prof`, runs the case once after a warm-up,
| and prints its 25 functions with the most self time (samples after the
| server answered /healthz) with their callers, self time by area (app
| module, package, node internals), the areas most often on the stack, and
| the SQL statements per response (counted by bench/_verify_queries.ts).
| The .cpuprofile files stay in tmp/profiles/ (open them in Chrome
| DevTools); `--summarize=<file>` prints a profile's summary again.
|
| The build in build/ is reused when no source file is newer than it.
| Everything else the run creates (storage, SQLite file, PostgreSQL
| database, server log) is removed afterwards.
|
|   targets: json_hit ≥ 5,000 req/s, p99 ≤ 20 ms; html_hit ≥ 3,000 req/s, p99 ≤ 30 ms;
|            miss ≥ 5,000 req/s; campus 0 non-2xx; while generating ≥ 1,500 req/s, p99 ≤ 50 ms
*/
import autocannon from 'autocannon'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { join, relative } from 'node:path'
import { availableParallelism, loadavg } from 'node:os'
import pg from 'pg'
import { appEnv, machine, onEngines, option, root, withWorkFolder } from './_harness.js'

// ---------------------------------------------------------------- options

const CASES = {
  healthz: { target: null },
  json_hit: { target: { req_per_s: 5000, p99_ms: 20 } },
  html_hit: { target: { req_per_s: 3000, p99_ms: 30 } },
  miss: { target: { req_per_s: 5000 } },
  campus: { target: { non2xx: 0, within_s: 60 } },
  json_hit_while_generating: { target: { req_per_s: 1500, p99_ms: 50 } },
}

function fail(message) {
  console.error(`verify bench: ${message}`)
  process.exit(2)
}

function positiveInt(name, fallback) {
  const raw = option(name, String(fallback))
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1)
    fail(`--${name} must be a positive integer, not "${raw}"`)
  return value
}

const ENGINE_CHOICE = option('engine', 'both')
if (!['sqlite', 'pg', 'both'].includes(ENGINE_CHOICE))
  fail(`--engine must be sqlite, pg or both, not "${ENGINE_CHOICE}"`)
const DURATION = positiveInt('duration', 10)
const CONNECTIONS = positiveInt('connections', 50)
const RUNS = positiveInt('runs', 2)
const CERTIFICATES = positiveInt('certificates', 10_000)
const CAMPUS = Math.min(2000, CERTIFICATES)
const WARM_S = Math.min(3, DURATION)
const PORT = positiveInt('port', 3524)
// Web processes of the measured server (WEB_CONCURRENCY): one per core, as a deployment runs it. Profiles use one.
const WEB_PROCESSES = positiveInt('web-processes', availableParallelism())
const LOG_LEVEL = option('log-level', 'error')
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
if (!LOG_LEVELS.includes(LOG_LEVEL))
  fail(`--log-level must be one of ${LOG_LEVELS.join(', ')}, not "${LOG_LEVEL}"`)
const SELECTED = String(option('cases', Object.keys(CASES).join(',')))
  .split(',')
  .filter(Boolean)
for (const name of SELECTED)
  if (!(name in CASES)) fail(`unknown case "${name}" (cases: ${Object.keys(CASES).join(', ')})`)
const profileArg = process.argv.find((a) => a === '--profile' || a.startsWith('--profile='))
const PROFILED = profileArg
  ? (profileArg.includes('=') ? profileArg.split('=')[1] : 'json_hit').split(',').filter(Boolean)
  : []
for (const name of PROFILED)
  if (!(name in CASES))
    fail(`--profile: unknown case "${name}" (cases: ${Object.keys(CASES).join(', ')})`)
const known = [
  'engine',
  'duration',
  'connections',
  'runs',
  'certificates',
  'port',
  'web-processes',
  'log-level',
  'cases',
  'profile',
  'summarize',
]
for (const arg of process.argv.slice(2)) {
  const name = /^--([a-z-]+)/.exec(arg)?.[1]
  if (!name || !known.includes(name))
    fail(`unknown argument "${arg}" (options: ${known.map((k) => `--${k}`).join(' ')})`)
}

const base = `http://127.0.0.1:${PORT}`
const buildRoot = join(root, 'build')
const profileDir = join(root, 'tmp', 'profiles')

// Ctrl-C stops the load and the server, then unwinds (the work folder and the PostgreSQL database are removed).
let interrupted = false
let running = null
let server = null
process.on('SIGINT', () => {
  interrupted = true
  running?.stop()
  server?.kill('SIGTERM')
})
function checkInterrupted() {
  if (interrupted) throw new Error('interrupted')
}

// ---------------------------------------------------------------- the build

/** Newest modification time (ms) of the files `node ace build` compiles or copies. */
function newestSource() {
  let newest = 0
  const walk = (path) => {
    const stat = statSync(path)
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) walk(join(path, entry))
    } else newest = Math.max(newest, stat.mtimeMs)
  }
  for (const entry of readdirSync(root)) {
    if (['node_modules', 'build', 'tmp', 'storage', 'docs', 'coverage'].includes(entry)) continue
    if (entry.startsWith('.') && entry !== '.env.example') continue
    // The benches run from the sources; only bench/*.ts is compiled into the build.
    if (entry === 'bench') {
      for (const file of readdirSync(join(root, entry)))
        if (file.endsWith('.ts'))
          newest = Math.max(newest, statSync(join(root, entry, file)).mtimeMs)
      continue
    }
    walk(join(root, entry))
  }
  return newest
}

/** build/, rebuilt when a source file is newer than the last build this bench made. */
async function ensureBuild() {
  const stamp = join(buildRoot, '.bench-verify-built')
  const started = Date.now()
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource()) {
    console.error('verify bench: build/ is up to date, reused')
  } else {
    console.error('verify bench: node ace build …')
    const result = await runProcess(process.execPath, ['ace', 'build'], { cwd: root })
    if (result.code !== 0) throw new Error(`node ace build failed:\n${result.output}`)
    // Its time is the build's start: a file saved while it compiled makes the next run build again.
    writeFileSync(stamp, '')
    utimesSync(stamp, new Date(started), new Date(started))
  }
  if (!existsSync(join(buildRoot, 'node_modules')))
    symlinkSync(join(root, 'node_modules'), join(buildRoot, 'node_modules'), 'dir')
}

/** A child process to its end: exit code and its output (stdout and stderr together). */
function runProcess(command, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

// ---------------------------------------------------------------- the server

async function startServer(env, log, nodeArgs = [], extraEnv = {}) {
  // Something else answering on the port would be measured instead of this server.
  const taken = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
    () => true,
    () => false
  )
  if (taken) throw new Error(`port ${PORT} is already in use; pass another with --port=`)
  const out = openSync(log, 'a')
  const spawnedAt = performance.now()
  const child = spawn(process.execPath, [...nodeArgs, 'bin/server.js'], {
    cwd: buildRoot,
    env: { ...env, WEB_CONCURRENCY: String(WEB_PROCESSES), ...extraEnv },
    stdio: ['ignore', out, out],
  })
  closeSync(out)
  server = child
  let exited = null
  child.once('exit', (code, signal) => (exited = { code, signal }))
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    if (exited) break
    try {
      if ((await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) })).ok)
        return { child, healthyAfterMs: performance.now() - spawnedAt }
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  child.kill('SIGKILL')
  const tail = readFileSync(log, 'utf8').split('\n').slice(-30).join('\n')
  throw new Error(
    `the server did not answer /healthz (${exited ? `exited ${JSON.stringify(exited)}` : 'timeout'}):\n${tail}`
  )
}

/** What the server logged (LOG_LEVEL=error by default: errors only), its last lines on stderr. */
function reportLog(who, log) {
  const logged = existsSync(log) ? readFileSync(log, 'utf8').trim() : ''
  if (logged)
    console.error(
      `verify bench: ${who} logged (LOG_LEVEL=${LOG_LEVEL}):\n${logged.split('\n').slice(-20).join('\n')}`
    )
}

/** Resolves once the server has answered what was queued before: a /healthz request waits behind it. */
async function drained() {
  await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(60_000) }).catch(() => {})
}

/**
 * Stops the server once it has answered what the load left queued: a
 * SIGTERM while requests are still being served makes them fail (the
 * database is closed under them) and the process then never exits, so
 * after 30 s it is killed (and a --cpu-prof profile is lost).
 */
async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null)
    return { code: child.exitCode, signal: child.signalCode }
  await new Promise((resolve) => setTimeout(resolve, 1000))
  await drained()
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal }))
  )
  child.kill('SIGTERM')
  const timer = setTimeout(() => {
    console.error('verify bench: the server was still running 30 s after SIGTERM; killed')
    child.kill('SIGKILL')
  }, 30_000)
  const how = await exited
  clearTimeout(timer)
  server = null
  return how
}

// ---------------------------------------------------------------- load

let nextAddress = 0
/** `count` addresses of 198.18.0.0/15 (benchmarking, RFC 2544) not handed out before in this run. */
function addresses(count) {
  const list = []
  for (let i = 0; i < count; i++) {
    const n = nextAddress++ % 131072
    list.push(`198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`)
  }
  return list
}

/**
 * autocannon over `targets` ([path, address|null], taken in turn by all
 * connections), for `duration` seconds or `amount` requests.
 */
function load({ targets, accept, duration, amount, connections = CONNECTIONS }) {
  let next = 0
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: base,
        connections,
        ...(amount ? { amount } : { duration }),
        timeout: 10,
        headers: { accept },
        requests: [
          {
            method: 'GET',
            setupRequest(request) {
              const [path, address] = targets[next++ % targets.length]
              request.path = path
              request.headers = address
                ? { ...request.headers, 'x-forwarded-for': address }
                : request.headers
              return request
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result))
    )
    running = instance
  }).finally(() => (running = null))
}

function figures(result) {
  const status = {}
  let answered = 0
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    status[code] = Number(count)
    answered += Number(count)
  }
  return {
    requests: answered,
    duration_s: Math.round(result.duration * 100) / 100,
    req_per_s: Math.round(answered / result.duration),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    max_ms: result.latency.max,
    non2xx: result.non2xx,
    status,
    errors: result.errors,
    timeouts: result.timeouts,
  }
}

function met(name, f) {
  const { target } = CASES[name]
  if (!target) return null
  const clean = f.errors === 0 && f.timeouts === 0
  switch (name) {
    case 'json_hit':
    case 'html_hit':
    case 'json_hit_while_generating':
      return clean && f.non2xx === 0 && f.req_per_s >= target.req_per_s && f.p99_ms <= target.p99_ms
    case 'miss':
      // Unknown is 404 and a throttled scanner 429; anything else (a 5xx) is a failure.
      return (
        clean &&
        Object.keys(f.status).every((code) => code === '404' || code === '429') &&
        f.req_per_s >= target.req_per_s
      )
    case 'campus':
      return clean && f.non2xx === 0 && f.requests === CAMPUS && f.duration_s <= target.within_s
  }
  return null
}

const randomToken = () => randomBytes(24).toString('base64url')

/** What each case sends, and what it says about its visitors. */
function plan(name, seed, run) {
  const tokens = seed.tokens
  switch (name) {
    case 'healthz':
      return { targets: [['/healthz', null]], accept: 'application/json', visitors: 'loopback' }
    case 'json_hit':
    case 'json_hit_while_generating': {
      const from = addresses(tokens.length)
      return {
        targets: tokens.map((token, i) => [`/api/v1/verify/${token}`, from[i]]),
        accept: 'application/json',
        visitors: `${tokens.length} addresses, one per token`,
      }
    }
    case 'html_hit': {
      const from = addresses(tokens.length)
      return {
        targets: tokens.map((token, i) => [`/v/${token}?via=qr`, from[i]]),
        accept: 'text/html',
        visitors: `${tokens.length} addresses, one per token`,
      }
    }
    case 'miss': {
      const address = `192.0.2.${run}`
      return {
        targets: Array.from({ length: 20_000 }, () => [`/api/v1/verify/${randomToken()}`, address]),
        accept: 'application/json',
        visitors: `one address (${address}), 20,000 random 32-character tokens`,
      }
    }
    case 'campus': {
      const address = `203.0.113.${run}`
      const start = ((run - 1) * CAMPUS) % tokens.length
      const picked = Array.from({ length: CAMPUS }, (_, i) => tokens[(start + i) % tokens.length])
      return {
        targets: picked.map((token) => [`/v/${token}?via=qr`, address]),
        accept: 'text/html',
        amount: CAMPUS,
        visitors: `one address (${address}), ${CAMPUS} distinct tokens`,
      }
    }
  }
  throw new Error(`no plan for ${name}`)
}

// ---------------------------------------------------------------- the generation job beside json_hit

async function api(method, path, key, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      accept: 'application/json',
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  })
  const text = await response.text()
  let json = null
  try {
    json = JSON.parse(text)
  } catch {}
  return { status: response.status, json, text }
}

/** Starts a job over `importId` through the API; resolves when its first certificates are issued. */
async function startGeneration(seed, importId) {
  const created = await api('POST', '/api/v1/generation-jobs', seed.apiKey, {
    template_ids: [seed.templateId],
    import_id: importId,
  })
  if (created.status !== 202)
    throw new Error(`POST /api/v1/generation-jobs answered ${created.status}: ${created.text}`)
  const id = created.json.id
  const startedAt = performance.now()
  for (;;) {
    checkInterrupted()
    const job = await api('GET', `/api/v1/generation-jobs/${id}`, seed.apiKey)
    if (job.status !== 200)
      throw new Error(`GET generation job answered ${job.status}: ${job.text}`)
    if (job.json.completed > 0 || ['completed', 'failed', 'cancelled'].includes(job.json.status))
      return { id, secondsToFirst: (performance.now() - startedAt) / 1000, ...job.json }
    if (performance.now() - startedAt > 120_000)
      throw new Error(`generation job ${id} issued nothing in 120 s: ${job.text}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** Cancels the job if still running and waits until its workers have let go of it. */
async function finishGeneration(seed, id) {
  const job = await api('GET', `/api/v1/generation-jobs/${id}`, seed.apiKey)
  if (!['completed', 'failed', 'cancelled'].includes(job.json?.status)) {
    const cancelled = await api('POST', `/api/v1/generation-jobs/${id}/cancellation`, seed.apiKey)
    if (cancelled.status >= 400)
      throw new Error(`cancellation answered ${cancelled.status}: ${cancelled.text}`)
  }
  const deadline = Date.now() + 120_000
  let last = job.json
  while (Date.now() < deadline) {
    last = (await api('GET', `/api/v1/generation-jobs/${id}`, seed.apiKey)).json
    if (['completed', 'failed', 'cancelled'].includes(last?.status)) break
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  // Chunks already rendering finish after a cancellation; give them the moment they need.
  await new Promise((resolve) => setTimeout(resolve, 2000))
  return last
}

// ---------------------------------------------------------------- CPU time

/**
 * CPU seconds a process and its descendants still running have used (the
 * web processes under the cluster's primary), or null when /proc does not show it.
 */
function treeCpuSeconds(pid) {
  const own = cpuSeconds(pid)
  if (own === null) return null
  let total = own
  let tasks = []
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {}
  for (const task of tasks) {
    let children = ''
    try {
      children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
    } catch {}
    for (const child of children.split(' ').filter(Boolean))
      total += treeCpuSeconds(Number(child)) ?? 0
  }
  return total
}

/** CPU seconds (user + system, all threads) a process has used, or null when /proc does not show it. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return null
  }
}

/**
 * The CPU time the server spends, which other work on the machine does not
 * inflate as it does latency: the server process (every thread) and, on
 * PostgreSQL, the backends serving its database (when they run here).
 */
async function cpuSnapshot(database) {
  const snapshot = { server: server ? treeCpuSeconds(server.pid) : null, backends: new Map() }
  if (database) {
    const { rows } = await database.query(
      'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()'
    )
    for (const { pid } of rows) {
      const used = cpuSeconds(pid)
      if (used !== null) snapshot.backends.set(pid, used)
    }
  }
  return snapshot
}

function cpuUsed(before, after, requests) {
  if (before.server === null || after.server === null) return {}
  const server = after.server - before.server
  let database = 0
  for (const [pid, used] of after.backends) database += used - (before.backends.get(pid) ?? 0)
  const perRequest = (seconds) => Math.round(((seconds * 1000) / Math.max(requests, 1)) * 100) / 100
  return {
    server_cpu_ms_per_req: perRequest(server),
    ...(after.backends.size ? { db_cpu_ms_per_req: perRequest(database) } : {}),
  }
}

// ---------------------------------------------------------------- one case

async function runCase(engine, name, seed, run, { warm = false, beforeLoad = () => {} } = {}) {
  checkInterrupted()
  const p = plan(name, seed, run)
  let generation = null
  if (name === 'json_hit_while_generating') {
    const importId = seed.importIds.shift()
    if (!importId) throw new Error('no recipient list left for a generation job')
    generation = await startGeneration(seed, importId)
  }
  const load1m = Math.round(loadavg()[0] * 100) / 100
  // The previous case's queued requests are not this one's.
  await drained()
  beforeLoad()
  const cpuBefore = await cpuSnapshot(seed.database)
  const clientBefore = process.cpuUsage()
  const result = await load({ ...p, duration: warm ? WARM_S : DURATION })
  const client = process.cpuUsage(clientBefore)
  const cpuAfter = await cpuSnapshot(seed.database)
  checkInterrupted()
  const f = figures(result)
  let during = null
  if (generation) {
    const before = generation.completed
    const after = (await api('GET', `/api/v1/generation-jobs/${generation.id}`, seed.apiKey)).json
    const end = await finishGeneration(seed, generation.id)
    during = {
      job_total: generation.total,
      issued_during: after.completed - before,
      issued_per_s: Math.round((after.completed - before) / f.duration_s),
      status_at_end: after.status,
      final_status: end?.status,
    }
  }
  const line = {
    bench: 'verify',
    engine,
    case: name,
    run: warm ? 'warm-up' : run,
    connections: CONNECTIONS,
    ...f,
    ...cpuUsed(cpuBefore, cpuAfter, f.requests),
    // autocannon shares the machine: what it took of it.
    client_cpu_ms_per_req:
      Math.round(((client.user + client.system) / 1000 / Math.max(f.requests, 1)) * 100) / 100,
    target: CASES[name].target,
    met: met(name, f),
    ...(during ? { generation: during } : {}),
    visitors: p.visitors,
    certificates: seed.tokens.length,
    web_processes: WEB_PROCESSES,
    mode: 'build',
    load_1m_before: load1m,
    machine: machine(),
  }
  return line
}

// ---------------------------------------------------------------- profiles

const isFrameOf = (url) => {
  if (!url) return null
  const path = url.startsWith('file://') ? new URL(url).pathname : url
  const modules = path.lastIndexOf('/node_modules/')
  if (modules >= 0) {
    const rest = path.slice(modules + '/node_modules/'.length).split('/')
    return {
      area: rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0],
      where: rest.join('/'),
    }
  }
  if (path.startsWith('node:')) return { area: 'node', where: path }
  if (path.startsWith(buildRoot)) {
    const inside = relative(buildRoot, path)
    const [top, module] = inside.split('/')
    return { area: top === 'app' ? `app/${module}` : top, where: inside }
  }
  return { area: path, where: path }
}

/**
 * The functions with the most self time in a .cpuprofile, counting only
 * samples taken `fromMs` or later after the profile started, each with the
 * three frames that most often called it; then self time by area (an app
 * module, a package, node's internals) and the share of samples with an
 * area anywhere on the (synchronous) stack.
 */
function topSelf(file, fromMs, limit = 25) {
  const profile = JSON.parse(readFileSync(file, 'utf8'))
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const parents = new Map()
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parents.set(child, node.id)
  const counts = new Map()
  let at = 0
  let taken = 0
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i]
    if (at / 1000 < fromMs) continue
    counts.set(profile.samples[i], (counts.get(profile.samples[i]) ?? 0) + 1)
    taken++
  }
  const interval = (profile.endTime - profile.startTime) / 1000 / profile.samples.length
  const describe = (id) => {
    const { callFrame } = nodes.get(id)
    const name = callFrame.functionName || '(anonymous)'
    const frame = isFrameOf(callFrame.url)
    return { name, frame, where: frame ? `${frame.where}:${callFrame.lineNumber + 1}` : '' }
  }
  const areasOnStack = new Map()
  const areasOf = (id) => {
    if (areasOnStack.has(id)) return areasOnStack.get(id)
    const parent = parents.get(id)
    const { frame } = describe(id)
    const set = new Set(parent === undefined ? [] : areasOf(parent))
    if (frame) set.add(frame.area)
    areasOnStack.set(id, set)
    return set
  }
  const byFunction = new Map()
  const byArea = new Map()
  const inclusive = new Map()
  let idle = 0
  for (const [id, count] of counts) {
    const { name, frame, where } = describe(id)
    if (name === '(idle)') {
      idle += count
      continue
    }
    const key = `${name} ${where}`
    const entry = byFunction.get(key) ?? { function: name, where, samples: 0, callers: new Map() }
    entry.samples += count
    const chain = []
    for (let up = parents.get(id); up !== undefined && chain.length < 3; up = parents.get(up)) {
      const caller = describe(up)
      if (caller.name === '(root)') break
      chain.push(`${caller.name} ${caller.where}`.trim())
    }
    const callers = chain.join(' < ')
    entry.callers.set(callers, (entry.callers.get(callers) ?? 0) + count)
    byFunction.set(key, entry)
    const area = frame?.area ?? name
    byArea.set(area, (byArea.get(area) ?? 0) + count)
    for (const onStack of areasOf(id)) inclusive.set(onStack, (inclusive.get(onStack) ?? 0) + count)
  }
  const busy = taken - idle
  const pct = (n) => Math.round((n / Math.max(busy, 1)) * 1000) / 10
  return {
    samples: taken,
    interval_ms: Math.round(interval * 1000) / 1000,
    busy_ms: Math.round(busy * interval),
    idle_pct: Math.round((idle / Math.max(taken, 1)) * 1000) / 10,
    top: [...byFunction.values()]
      .sort((a, b) => b.samples - a.samples)
      .slice(0, limit)
      .map((e) => ({
        function: e.function,
        where: e.where,
        self_ms: Math.round(e.samples * interval),
        self_pct: pct(e.samples),
        from: [...e.callers].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '',
      })),
    by_area: [...byArea]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([area, n]) => ({ area, self_ms: Math.round(n * interval), self_pct: pct(n) })),
    on_stack: [...inclusive]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 30)
      .map(([area, n]) => ({ area, pct: pct(n) })),
  }
}

async function profileCase(engine, name, seed, env, work) {
  mkdirSync(profileDir, { recursive: true })
  // One folder per profiled server: a profile per thread, the main thread's is read here.
  const dir = join(
    profileDir,
    `verify-${engine}-${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`
  )
  mkdirSync(dir, { recursive: true })
  const queryLog = join(dir, 'queries.json')
  const log = join(work, `server-${engine}-${name}-profile.log`)
  const { child, healthyAfterMs } = await startServer(
    env,
    log,
    ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import=./bench/_verify_queries.js'],
    { BENCH_QUERY_LOG: queryLog, WEB_CONCURRENCY: '1' }
  )
  let line
  try {
    const warmWith = ['healthz', 'json_hit', 'html_hit'].includes(name) ? name : 'json_hit'
    await runCase(engine, warmWith, seed, RUNS + 1, { warm: true })
    // The statements are counted from here (bench/_verify_queries.ts).
    line = await runCase(engine, name, seed, RUNS + 2, { beforeLoad: () => child.kill('SIGUSR2') })
  } finally {
    await stopServer(child)
    reportLog(`the ${engine} server profiling ${name}`, log)
  }
  // CPU.<date>.<time>.<pid>.<thread>.<sequence>.cpuprofile: thread 0 is the main thread.
  const main = existsSync(dir)
    ? readdirSync(dir).find((f) => f.split('.')[4] === '0' && f.endsWith('.cpuprofile'))
    : null
  if (!main) throw new Error(`the server wrote no main-thread profile into ${dir}`)
  const path = join(dir, main)
  // Boot is before /healthz answered: left out (also when the file is summarized again with --summarize).
  writeFileSync(join(dir, 'server.json'), JSON.stringify({ healthyAfterMs, engine, case: name }))
  const summary = topSelf(path, healthyAfterMs)
  const { requests, statements } = existsSync(queryLog)
    ? JSON.parse(readFileSync(queryLog, 'utf8'))
    : { requests: 0, statements: {} }
  // Per request the server received from the case's start (those still queued when the load stopped included).
  const perRequest = (n) => Math.round((n / Math.max(requests, 1)) * 100) / 100
  const sql = {
    requests_served: requests,
    statements_per_request: perRequest(Object.values(statements).reduce((a, b) => a + b, 0)),
    top: Object.entries(statements)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([text, n]) => ({ per_request: perRequest(n), sql: text })),
  }
  console.log(
    JSON.stringify({
      bench: 'verify',
      engine,
      case: name,
      profile: relative(root, path),
      req_per_s: line.req_per_s,
      p99_ms: line.p99_ms,
      status: line.status,
      ...summary,
      sql,
      note: "samples of the server's main thread after it answered /healthz (a warm-up, then the case); self_pct of the busy (non-idle) samples; sql: statements the server ran from the case's start ÷ the requests it received",
      machine: machine(),
    })
  )
  printSummary(`${engine} ${name}`, path, summary)
  console.error(`SQL statements per request: ${sql.statements_per_request}`)
  for (const q of sql.top) console.error(`${String(q.per_request).padStart(6)}  ${q.sql}`)
}

function printSummary(title, path, summary) {
  console.error(
    `\n${title}: top self time (${summary.busy_ms} ms busy, ${summary.idle_pct}% idle), ${relative(root, path)}`
  )
  for (const e of summary.top)
    console.error(
      `${String(e.self_pct).padStart(5)}%  ${String(e.self_ms).padStart(6)} ms  ${e.function}  ${e.where}\n${' '.repeat(18)}< ${e.from}`
    )
  console.error('self time by area:')
  for (const a of summary.by_area) console.error(`${String(a.self_pct).padStart(5)}%  ${a.area}`)
  console.error('samples with the area on the stack:')
  for (const a of summary.on_stack) console.error(`${String(a.pct).padStart(5)}%  ${a.area}`)
}

// ---------------------------------------------------------------- per engine

async function benchEngine(engine, databaseEnv, work) {
  const label = engine === 'postgres' ? 'pg' : engine
  const env = {
    ...appEnv({ work, engine: label, port: PORT }),
    ...databaseEnv,
    NODE_ENV: 'production',
    APP_URL: base,
    LOG_LEVEL: LOG_LEVEL,
  }
  const migrated = await runProcess(process.execPath, ['ace', 'migration:run', '--force'], {
    cwd: buildRoot,
    env,
  })
  if (migrated.code !== 0) throw new Error(`migrations failed:\n${migrated.output}`)
  checkInterrupted()

  const generating =
    SELECTED.filter((c) => c === 'json_hit_while_generating').length * RUNS +
    PROFILED.filter((c) => c === 'json_hit_while_generating').length
  const seedFile = join(work, `seed-${label}.json`)
  const seeded = await runProcess(process.execPath, ['bench/_verify_seed.js'], {
    cwd: buildRoot,
    env: {
      ...env,
      BENCH_CERTIFICATES: String(CERTIFICATES),
      BENCH_LISTS: String(generating),
      BENCH_SEED_OUT: seedFile,
    },
  })
  if (seeded.code !== 0) throw new Error(`seeding failed:\n${seeded.output}`)
  const seedLine = seeded.output.split('\n').find((l) => l.startsWith('{"bench"'))
  console.error(`verify bench: ${label} seeded ${seedLine}`)
  const seed = JSON.parse(readFileSync(seedFile, 'utf8'))
  checkInterrupted()
  // On PostgreSQL, a connection of the bench's own to see which backends serve the app (their CPU time).
  if (label === 'pg') {
    seed.database = new pg.Client(
      databaseEnv.DATABASE_URL
        ? { connectionString: databaseEnv.DATABASE_URL }
        : {
            host: databaseEnv.PG_HOST,
            port: Number(databaseEnv.PG_PORT),
            user: databaseEnv.PG_USER,
            password: databaseEnv.PG_PASSWORD,
            database: databaseEnv.PG_DB_NAME,
          }
    )
    await seed.database.connect()
  }
  try {
    await serveCases(label, seed, env, work)
  } finally {
    await seed.database?.end().catch(() => {})
    // Tens of thousands of PDFs: deleting them takes minutes on some disks, so say so.
    console.error(`verify bench: removing ${label}'s storage (${env.STORAGE_PATH}) …`)
    rmSync(env.STORAGE_PATH, { recursive: true, force: true })
  }
}

async function serveCases(label, seed, env, work) {
  const log = join(work, `server-${label}.log`)
  const { child } = await startServer(env, log)
  try {
    // Warm-up: code compiled, views cached, pools filled (addresses of their own).
    await runCase(label, 'json_hit', seed, 0, { warm: true })
    await runCase(label, 'html_hit', seed, 0, { warm: true })
    for (const name of SELECTED)
      for (let run = 1; run <= RUNS; run++)
        console.log(JSON.stringify(await runCase(label, name, seed, run)))
  } finally {
    await stopServer(child)
    reportLog(`the ${label} server`, log)
  }
  for (const name of PROFILED) await profileCase(label, name, seed, env, work)
}

// ---------------------------------------------------------------- main

// --summarize=<file.cpuprofile>: the summary of a profile written before, nothing run.
const summarize = option('summarize', null)
if (summarize) {
  const path = join(process.cwd(), summarize)
  if (!existsSync(path)) fail(`no such profile: ${path}`)
  const sidecar = join(path, '..', 'server.json')
  const from = existsSync(sidecar) ? JSON.parse(readFileSync(sidecar, 'utf8')).healthyAfterMs : 0
  printSummary('profile', path, topSelf(path, from))
  process.exit(0)
}

await ensureBuild()
const engineNames =
  ENGINE_CHOICE === 'both'
    ? ['sqlite', 'postgres']
    : [ENGINE_CHOICE === 'pg' ? 'postgres' : 'sqlite']
await withWorkFolder('verify', (work) =>
  onEngines(engineNames, work, (engine, databaseEnv) => benchEngine(engine, databaseEnv, work))
)
