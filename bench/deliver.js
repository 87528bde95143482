/*
| Sending a convocation's certificates: the production build (`node ace
| build`, NODE_ENV=production, one web process per core and the queue worker
| beside them, as `npm start` with WEB_CONCURRENCY runs) delivers
| --messages certificates (10,000, issued through the real generation path
| by bench/_verify_seed.ts, every graduate with an email and a mobile
| number) to the local stand-ins, through the org's own integrations
| created and started through the JSON API:
|   email     an SMTP integration pointed at the SMTP stand-in (smtp-server +
|             mailparser, in this process): every mail carries its PDF.
|   whatsapp  a WhatsApp Cloud API integration pointed at its stand-in (in
|             this process), which fetches each message's signed PDF link
|             from the app as Meta would and posts signed status webhooks
|             (sent, delivered, read) back to it.
| The throttles are raised for the bench (the integration's
| messages_per_second, the WhatsApp tier): what is measured is the
| pipeline, not the provider's limits.
|
| One JSON line per channel and run:
|   msgs_per_s               messages accepted by the stand-in ÷ seconds from the API call
|                            to the last one
|   p99_enqueue_to_sent_ms   99th percentile, over messages, of the time from the API call
|                            (which queues them all) to the stand-in's acceptance
|   peak_rss_mb              the app's processes together (web processes, queue worker, primary)
|   cpu_s_by_process         CPU seconds each process used from the API call to the end (web
|                            processes, queue worker, and this one: the stand-ins, the probe)
|   event_loop_p99_ms        99th percentile of GET /healthz answered while sending (one
|                            request every 20 ms: the web event loop's delay plus a loopback
|                            round trip)
| with the target and whether it was met, and the machine.
|
|   npm run bench -- deliver [--engine=sqlite|pg|both] [--channels=email,whatsapp]
|     [--messages=10000] [--runs=2] [--port=3534] [--web-processes=<cores>]
|     [--profile=<folder>]   every server process writes a .cpuprofile there
|                            (npm run bench -- verify --summarize=<file> prints one)
|
| targets: email ≥ 300 msg/s, WhatsApp ≥ 500 msg/s (unthrottled), event loop p99 ≤ 50 ms,
|          RSS ≤ 600 MB
*/
import { randomBytes } from 'node:crypto'
import { spawn, spawnSync } from 'node:child_process'
import { cpus, loadavg } from 'node:os'
import { readFileSync, readdirSync, openSync, closeSync, existsSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { appEnv, machine, onEngines, option, root, withWorkFolder } from './_harness.js'

const ENGINE = option('engine', 'sqlite')
const CHANNELS = option('channels', 'email,whatsapp').split(',')
const MESSAGES = Number(option('messages', '10000'))
const RUNS = Number(option('runs', '2'))
const PORT = Number(option('port', '3534'))
const WEB_PROCESSES = Number(option('web-processes', String(cpus().length)))
/** A folder: every server process runs with --cpu-prof into it (summarize with the verify bench's --summarize). */
const PROFILE_DIR = option('profile', '')
const base = `http://127.0.0.1:${PORT}`
const buildRoot = join(root, 'build')
const TARGETS = {
  email: { msgs_per_s: 300, event_loop_p99_ms: 50, peak_rss_mb: 600 },
  whatsapp: { msgs_per_s: 500, event_loop_p99_ms: 50, peak_rss_mb: 600 },
}

for (const channel of CHANNELS)
  if (!TARGETS[channel]) fail(`--channels: unknown channel "${channel}" (email, whatsapp)`)
if (!['sqlite', 'pg', 'both'].includes(ENGINE)) fail(`--engine must be sqlite, pg or both`)
for (const [name, value] of [
  ['messages', MESSAGES],
  ['runs', RUNS],
  ['port', PORT],
  ['web-processes', WEB_PROCESSES],
])
  if (!Number.isInteger(value) || value < 1) fail(`--${name} must be a positive integer`)

function fail(message) {
  console.error(`deliver bench: ${message}`)
  process.exit(2)
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function build() {
  console.error('deliver bench: node ace build …')
  const result = spawnSync(process.execPath, ['ace', 'build'], { cwd: root, encoding: 'utf8' })
  if (result.status !== 0)
    throw new Error(`node ace build failed: ${result.stdout}${result.stderr}`)
  if (!existsSync(join(buildRoot, 'node_modules')))
    symlinkSync(join(root, 'node_modules'), join(buildRoot, 'node_modules'), 'dir')
}

function run(args, env) {
  const result = spawnSync(process.execPath, args, { cwd: buildRoot, env, encoding: 'utf8' })
  if (result.status !== 0)
    throw new Error(`${args.join(' ')} failed: ${result.stdout}${result.stderr}`)
  return result.stdout
}

/** Resident memory of `pid` and every process under it, MB. */
function treeRssMb(pid) {
  const parents = new Map()
  const ticks = new Map()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      parents.set(Number(entry), Number(fields[1]))
      // utime + stime, in clock ticks (100 a second on Linux).
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]))
    } catch {}
  }
  const tree = new Set([pid])
  let grew = true
  while (grew) {
    grew = false
    for (const [child, parent] of parents)
      if (tree.has(parent) && !tree.has(child)) {
        tree.add(child)
        grew = true
      }
  }
  let total = 0
  const parts = []
  for (const member of tree) {
    try {
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${member}/status`, 'utf8'))
      if (!rss) continue
      total += Number(rss[1]) / 1024
      const command = readFileSync(`/proc/${member}/cmdline`, 'utf8').split('\0').slice(1, 3)
      const label = command.join(' ').slice(0, 40)
      parts.push(`${label}: ${Math.round(Number(rss[1]) / 1024)}`)
      cpuSeconds.set(member, { label, seconds: (ticks.get(member) ?? 0) / 100 })
    } catch {}
  }
  lastRssParts = parts
  return total
}

/** The processes of the last `treeRssMb` and their MB: the peak's are printed. */
let lastRssParts = []

/** CPU seconds (user + system) each process of the server's tree had used when last seen, by pid. */
const cpuSeconds = new Map()

/** CPU seconds each process used between two `cpuSeconds` snapshots (and this process: the stand-ins, the probe). */
function cpuUsedSince(before, ownBefore) {
  const used = [...cpuSeconds].map(
    ([pid, { label, seconds }]) => `${label}: ${(seconds - (before.get(pid)?.seconds ?? 0)).toFixed(1)}`
  )
  const own = process.cpuUsage(ownBefore)
  used.push(`bench and stand-ins: ${((own.user + own.system) / 1e6).toFixed(1)}`)
  return used
}

function percentile(values, p) {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

async function api(path, { method = 'GET', body, key }) {
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
  let parsed = text
  try {
    parsed = JSON.parse(text)
  } catch {}
  if (!response.ok)
    throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 500)}`)
  return parsed
}

async function startServer(env, log) {
  const out = openSync(log, 'a')
  const profile = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []
  const child = spawn(process.execPath, [...profile, 'bin/server.js'], {
    cwd: buildRoot,
    env: { ...env, WEB_CONCURRENCY: String(WEB_PROCESSES) },
    stdio: ['ignore', out, out],
  })
  closeSync(out)
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break
    try {
      const response = await fetch(`${base}/healthz`)
      await response.arrayBuffer()
      if (response.ok) return child
    } catch {}
    await sleep(200)
  }
  child.kill('SIGKILL')
  throw new Error(
    `the server did not start:\n${readFileSync(log, 'utf8').split('\n').slice(-30).join('\n')}`
  )
}

async function stopServer(child) {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  await exited
  clearTimeout(timer)
}

/** Issues the prepared list `importId` through the API and waits until its job is completed. */
async function issueJob(seed, importId) {
  const job = await api('/api/v1/generation-jobs', {
    method: 'POST',
    key: seed.apiKey,
    body: { template_ids: [seed.templateId], import_id: importId },
  })
  for (;;) {
    await sleep(500)
    const state = await api(`/api/v1/generation-jobs/${job.id}`, { key: seed.apiKey })
    if (state.status === 'completed') return job.id
    if (['failed', 'cancelled'].includes(state.status))
      throw new Error(`the bench's job ${state.status}: ${JSON.stringify(state)}`)
  }
}

/** Sends every recipient one message on `channel` and measures it until none is queued or sending. */
async function measure({ label, channel, run, jobId, seed, server, received }) {
  const loadBefore = Number(loadavg()[0].toFixed(2))
  const probes = []
  let probing = true
  const probe = (async () => {
    while (probing) {
      const started = performance.now()
      try {
        const response = await fetch(`${base}/healthz`)
        await response.arrayBuffer()
        probes.push(performance.now() - started)
      } catch {}
      await sleep(20)
    }
  })()
  let peakRss = treeRssMb(server.pid)
  let peakParts = lastRssParts
  const cpuBefore = new Map(cpuSeconds)
  const ownCpuBefore = process.cpuUsage()
  const before = received.count()
  const startedAt = Date.now()
  const delivery = await api(`/api/v1/generation-jobs/${jobId}/deliveries`, {
    method: 'POST',
    key: seed.apiKey,
    body: { channels: [channel], audience: 'all' },
  })
  let state
  for (;;) {
    await sleep(250)
    const rss = treeRssMb(server.pid)
    if (rss > peakRss) {
      peakRss = rss
      peakParts = lastRssParts
    }
    state = await api(`/api/v1/deliveries/${delivery.id}`, { key: seed.apiKey })
    const { queued = 0, sending = 0, failed = 0, suppressed = 0 } = state.counts
    // Done when nothing waits and the stand-in has every message not failed or suppressed.
    const expected = delivery.total_messages - failed - suppressed
    if (queued + sending === 0 && received.count() - before >= expected) break
    if (Date.now() - startedAt > 30 * 60_000)
      throw new Error(`${channel}: not done after 30 minutes`)
  }
  probing = false
  await probe
  treeRssMb(server.pid)
  const cpuUsed = cpuUsedSince(cpuBefore, ownCpuBefore)
  const arrivals = received.since(before).map((at) => at - startedAt)
  const seconds = (Math.max(...arrivals, 1) || 1) / 1000
  const figures = {
    msgs_per_s: Math.round(arrivals.length / seconds),
    p99_enqueue_to_sent_ms: Math.round(percentile(arrivals, 99) ?? 0),
    peak_rss_mb: Math.round(peakRss),
    event_loop_p99_ms: Math.round(percentile(probes, 99) ?? 0),
  }
  const target = TARGETS[channel]
  return {
    bench: 'deliver',
    engine: label,
    channel,
    run,
    messages: delivery.total_messages,
    accepted_by_stand_in: arrivals.length,
    ...figures,
    counts: state.counts,
    duration_s: Number(seconds.toFixed(2)),
    target,
    met:
      arrivals.length === delivery.total_messages &&
      figures.msgs_per_s >= target.msgs_per_s &&
      figures.event_loop_p99_ms <= target.event_loop_p99_ms &&
      figures.peak_rss_mb <= target.peak_rss_mb,
    peak_rss_by_process: peakParts,
    cpu_s_by_process: cpuUsed,
    web_processes: WEB_PROCESSES,
    load_1m_before: loadBefore,
    machine: machine(),
  }
}

async function benchEngine(engine, databaseEnv, work) {
  const label = engine === 'postgres' ? 'pg' : engine
  const { startSmtpStandIn } = await import(join(buildRoot, 'stand_ins/smtp.js'))
  const { startWhatsAppStandIn } = await import(join(buildRoot, 'stand_ins/whatsapp_cloud_api.js'))
  const smtp = await startSmtpStandIn({ maxMessages: MESSAGES * RUNS + 100, parse: false })
  const appSecret = randomBytes(16).toString('hex')
  const accessToken = randomBytes(16).toString('hex')
  const verifyToken = randomBytes(8).toString('hex')
  const phoneNumberId = '106540352242922'
  const whatsapp = await startWhatsAppStandIn({
    accessToken,
    appSecret,
    phoneNumberIds: [phoneNumberId],
    templates: [
      { name: 'certificate_issued', language: 'en', header: 'document', bodyParameters: 2 },
    ],
    fetchDocuments: true,
    // Meta's default of 80 msg/s per number raised with the integration's throttle: "unthrottled".
    ratePerSecond: 1_000_000,
  })
  const env = {
    ...appEnv({ work, engine: label, port: PORT }),
    ...databaseEnv,
    NODE_ENV: 'production',
    APP_URL: base,
    LOG_LEVEL: 'error',
    DELIVERY_SECRETS_KEY: `bench:${randomBytes(32).toString('base64url')}`,
    OUTBOUND_ALLOWED_HOSTS: `127.0.0.1:${smtp.port},${new URL(whatsapp.url).host}`,
    // Throttles raised: the pipeline is measured, not a provider's limits.
    DELIVERY_EMAIL_RATE: '1000',
  }
  run(['ace', 'migration:run', '--force'], env)
  const seedFile = join(work, `seed-${label}.json`)
  console.error(`deliver bench: ${label}: issuing ${MESSAGES} certificates …`)
  run(['bench/_verify_seed.js'], {
    ...env,
    BENCH_CERTIFICATES: String(MESSAGES),
    BENCH_PHONES: '1',
    BENCH_LISTS: String(RUNS - 1),
    BENCH_SEED_OUT: seedFile,
  })
  const seed = JSON.parse(readFileSync(seedFile, 'utf8'))
  const log = join(work, `server-${label}.log`)
  const server = await startServer(env, log)
  try {
    await api('/api/v1/delivery-integrations', {
      method: 'POST',
      key: seed.apiKey,
      body: {
        channel: 'email',
        provider: 'smtp',
        name: 'Bench SMTP stand-in',
        is_default: true,
        settings: {
          host: '127.0.0.1',
          port: smtp.port,
          security: 'none',
          from_email: 'certificates@bench.example',
          from_name: 'Bench Academy',
          messages_per_second: 1000,
        },
        secrets: {},
      },
    })
    const wa = await api('/api/v1/delivery-integrations', {
      method: 'POST',
      key: seed.apiKey,
      body: {
        channel: 'whatsapp',
        provider: 'whatsapp_cloud',
        name: 'Bench WhatsApp stand-in',
        is_default: true,
        settings: {
          phone_number_id: phoneNumberId,
          waba_id: '102290129340398',
          display_phone_number: '+91 80000 00000',
          api_base_url: whatsapp.url,
          api_version: 'v21.0',
          template_name: 'certificate_issued',
          template_language: 'en',
          body_parameters: ['recipient_name', 'recipient_page_url'],
          daily_unique_recipients_tier: 100_000,
          messages_per_second: 1000,
        },
        secrets: { access_token: accessToken, app_secret: appSecret, verify_token: verifyToken },
      },
    })
    whatsapp.configure({ webhookUrl: `${base}/webhooks/whatsapp/${wa.id}` })
    const received = {
      email: {
        count: () => smtp.messages().length,
        since: (from) =>
          smtp
            .messages()
            .slice(from)
            .map((mail) => mail.receivedAt.getTime()),
      },
      whatsapp: {
        count: () => whatsapp.sent.length,
        since: (from) => whatsapp.sent.slice(from).map((message) => message.receivedAt.getTime()),
      },
    }
    let fetchedBefore = 0
    for (let round = 1; round <= RUNS; round++) {
      // Each run delivers a job of its own: the seeded one, then one issued now from a prepared list.
      const jobId = round === 1 ? seed.jobId : await issueJob(seed, seed.importIds[round - 2])
      for (const channel of CHANNELS) {
        const line = await measure({
          label,
          channel,
          run: round,
          jobId,
          seed,
          server,
          received: received[channel],
        })
        if (channel === 'whatsapp') {
          await whatsapp.idle()
          // Why messages failed at the stand-in (its fetch of our PDF link, as Meta's would).
          const failures = {}
          for (const fetched of whatsapp.fetchedDocuments.slice(fetchedBefore))
            if (fetched.failure) {
              const reason = fetched.failure.slice(0, 120)
              failures[reason] = (failures[reason] ?? 0) + 1
            }
          fetchedBefore = whatsapp.fetchedDocuments.length
          line.document_fetch_failures = failures
        }
        console.log(JSON.stringify(line))
      }
    }
  } finally {
    await stopServer(server)
    await smtp.close()
    await whatsapp.close()
    const logged = existsSync(log) ? readFileSync(log, 'utf8').trim() : ''
    if (logged)
      console.error(
        `deliver bench: the ${label} server logged:\n${logged.split('\n').slice(-20).join('\n')}`
      )
  }
}

build()
const names = ENGINE === 'both' ? ['sqlite', 'postgres'] : [ENGINE === 'pg' ? 'postgres' : 'sqlite']
await withWorkFolder('deliver', (work) =>
  onEngines(names, work, (engine, databaseEnv) => benchEngine(engine, databaseEnv, work))
)
