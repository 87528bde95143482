#!/usr/bin/env node
/*
| `npm start` (and `npm run dev`, which adds `--dev`): from a fresh clone to a
| running app with nothing but Node. Creates `.env` on first run (fresh
| APP_KEY and demo password), runs the migrations and seeders on SQLite,
| starts the HTTP server and, beside it, the schedule (`node ace scheduler:run`,
| start/scheduler.ts: expiry, import recovery, orphan sweep; one such process
| per deployment), waits until /healthz answers and prints the URL and the
| demo login. If either process stops, the other is stopped too. No Redis,
| PostgreSQL or network needed.
|
| Variables already in the environment win over `.env` (e.g. PORT=4000 npm start).
*/
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { constants as osConstants } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseEnv } from './env_text.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const dev = process.argv.includes('--dev')
const envFile = join(root, '.env')
const HEALTH_TIMEOUT_MS = 120_000

function say(line = '') {
  process.stdout.write(`${line}\n`)
}

/** Sets KEY=value in .env text, replacing the line (commented or not) or appending it. */
function setEnvValue(text, key, value) {
  const line = new RegExp(`^\\s*${key}\\s*=.*$`, 'm')
  return line.test(text)
    ? text.replace(line, `${key}=${value}`)
    : `${text.replace(/\n*$/, '\n')}${key}=${value}\n`
}

/** 16 characters in four groups, without look-alikes (0/o, 1/l/i): about 79 bits, easy to type. */
function demoPassword() {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789'
  const groups = []
  for (let g = 0; g < 4; g++) {
    let group = ''
    for (let c = 0; c < 4; c++) group += alphabet[randomInt(alphabet.length)]
    groups.push(group)
  }
  return groups.join('-')
}

/** A keyring entry for DELIVERY_SECRETS_KEY (app/core/services/secret_keyring.ts): `<id>:<32 random bytes>`. */
const deliverySecretsKey = () => `k1:${randomBytes(32).toString('base64url')}`

/**
 * The demo's Razorpay account, played by the stand-in: a key id the demo
 * recognises as its own (`rzp_test_demo…`; real test keys never start so),
 * its secret and the webhook's. The stand-in is started with them and the
 * app reaches it (API, fake Checkout) when these are the keys in use.
 */
const DEMO_RAZORPAY_KEY = /^rzp_test_demo/
function demoRazorpayKeys(text) {
  if (parseEnv(text).RAZORPAY_KEY_ID) return { text, added: false }
  const random = (bytes) => randomBytes(bytes).toString('base64url').replace(/[-_]/g, 'x')
  text = setEnvValue(text, 'RAZORPAY_KEY_ID', `rzp_test_demo${random(6)}`)
  text = setEnvValue(text, 'RAZORPAY_KEY_SECRET', random(18))
  text = setEnvValue(text, 'RAZORPAY_WEBHOOK_SECRET', random(18))
  return { text, added: true }
}

function ensureEnvFile() {
  if (existsSync(envFile)) {
    let text = readFileSync(envFile, 'utf8')
    const added = []
    if (!parseEnv(text).APP_KEY) {
      text = setEnvValue(text, 'APP_KEY', randomBytes(32).toString('base64url'))
      added.push('APP_KEY')
    }
    // Older .env files predate delivery integrations: their secrets need a key of their own.
    if (!parseEnv(text).DELIVERY_SECRETS_KEY) {
      text = setEnvValue(text, 'DELIVERY_SECRETS_KEY', deliverySecretsKey())
      added.push('DELIVERY_SECRETS_KEY')
    }
    // Older .env files predate payments: the demo's Razorpay account (the stand-in's keys).
    if (parseEnv(text).NODE_ENV !== 'production') {
      const razorpay = demoRazorpayKeys(text)
      text = razorpay.text
      if (razorpay.added) added.push('the demo’s RAZORPAY_* keys')
    }
    if (added.length) {
      writeFileSync(envFile, text, { mode: 0o600 })
      say(`Added a fresh ${added.join(' and ')} to .env`)
    }
    return
  }
  const example = join(root, '.env.example')
  let text = existsSync(example)
    ? readFileSync(example, 'utf8')
    : 'NODE_ENV=development\nPORT=3333\nHOST=localhost\n'
  text = setEnvValue(text, 'APP_KEY', randomBytes(32).toString('base64url'))
  text = setEnvValue(text, 'DELIVERY_SECRETS_KEY', deliverySecretsKey())
  text = setEnvValue(text, 'DEMO_OWNER_PASSWORD', demoPassword())
  if (parseEnv(text).NODE_ENV !== 'production') text = demoRazorpayKeys(text).text
  writeFileSync(envFile, text, { mode: 0o600 })
  say(
    'Created .env from .env.example with a fresh APP_KEY, DELIVERY_SECRETS_KEY, demo password and the demo’s Razorpay keys.'
  )
  const sqlite = parseEnv(text).SQLITE_PATH
  if (sqlite && existsSync(isAbsolute(sqlite) ? sqlite : join(root, sqlite))) {
    say(
      `Note: ${sqlite} already exists; the demo org is only created in a database without organizations.`
    )
  }
}

function runAce(args, env) {
  const result = spawnSync(process.execPath, ['ace', ...args], { cwd: root, stdio: 'inherit', env })
  if (result.status !== 0) {
    say(`\n\`node ace ${args.join(' ')}\` failed; not starting the server.`)
    process.exit(result.status ?? 1)
  }
}

async function healthy(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) })
    return response.ok
  } catch {
    return false
  }
}

ensureEnvFile()
const fileEnv = parseEnv(readFileSync(envFile, 'utf8'))
const setting = (key, fallback) => process.env[key] || fileEnv[key] || fallback

const nodeEnv = setting('NODE_ENV', 'development')
const host = setting('HOST', 'localhost')
const port = setting('PORT', '3333')
const browserHost = ['0.0.0.0', '::', '[::]'].includes(host) ? 'localhost' : host
const url = `http://${browserHost}:${port}`

const childEnv = { ...process.env }
// PORT or HOST overridden from the shell: links in mails must follow, unless APP_URL was customised.
if (!process.env.APP_URL && (process.env.PORT || process.env.HOST)) {
  const fileUrl = fileEnv.APP_URL
  if (!fileUrl || fileUrl === `http://${fileEnv.HOST}:${fileEnv.PORT}`) childEnv.APP_URL = url
}

// The demo's simulated providers (stand_ins/): a mail server with an inbox page and the WhatsApp
// Cloud API, which the demo org's delivery integrations point at (database/demo_integrations.ts).
// Never in production; DEMO_STAND_INS=off leaves them out.
const withStandIns = nodeEnv !== 'production' && setting('DEMO_STAND_INS', 'on') !== 'off'
const smtpPort = setting('DEMO_SMTP_PORT', '2525')
const inboxPort = setting('DEMO_INBOX_PORT', '8025')
const whatsappPort = setting('DEMO_WHATSAPP_PORT', '4010')
// The demo's bounce mailbox, unless .env names a real one: the simulated mail server accepts mail
// for DEMO_BOUNCING_ADDRESS (a demo recipient) and then reports it unknown to the envelope sender,
// bounce+<token>@bounces.demo.test, by way of the app's bounce receiver on DEMO_BOUNCE_PORT, as a
// real MTA would through BOUNCE_DOMAIN's MX: the message turns "bounced" and the address suppressed.
const demoBounces = withStandIns && !setting('BOUNCE_DOMAIN', '')
const bouncePort = setting('DEMO_BOUNCE_PORT', '2526')
const bouncingAddress = setting('DEMO_BOUNCING_ADDRESS', 'sourav.g@example.in')
// Razorpay, played by its stand-in when the keys in use are the demo's (written to .env above):
// the app's client and its Checkout go there (the fake Checkout pays without money), and the
// stand-in posts its signed webhooks to the app, as Razorpay's dashboard would be set to.
const razorpayPort = setting('DEMO_RAZORPAY_PORT', '2527')
const demoRazorpay = withStandIns && DEMO_RAZORPAY_KEY.test(setting('RAZORPAY_KEY_ID', ''))
if (demoRazorpay) {
  childEnv.RAZORPAY_BASE_URL = `http://127.0.0.1:${razorpayPort}`
  childEnv.RAZORPAY_CHECKOUT = `http://127.0.0.1:${razorpayPort}`
}
if (withStandIns) {
  childEnv.DEMO_SMTP_PORT = smtpPort
  childEnv.DEMO_WHATSAPP_PORT = whatsappPort
  if (demoBounces) {
    childEnv.BOUNCE_DOMAIN = 'bounces.demo.test'
    childEnv.BOUNCE_SMTP_HOST = '127.0.0.1'
    childEnv.BOUNCE_SMTP_PORT = bouncePort
  }
  // Loopback is refused to org-configured hosts unless the platform lists it.
  childEnv.OUTBOUND_ALLOWED_HOSTS = [
    setting('OUTBOUND_ALLOWED_HOSTS', ''),
    `127.0.0.1:${smtpPort}`,
    `127.0.0.1:${whatsappPort}`,
  ]
    .filter(Boolean)
    .join(',')
}

for (const folder of ['tmp', setting('STORAGE_PATH', 'storage')]) {
  mkdirSync(isAbsolute(folder) ? folder : join(root, folder), { recursive: true })
}

runAce(['migration:run', '--force'], childEnv)
runAce(['db:seed'], childEnv)

const serverArgs = dev
  ? ['ace', 'serve', '--watch']
  : ['--import=ts-node-maintained/register/esm', 'bin/server.ts']
// Each child leads its own process group, so a Ctrl+C in the terminal reaches this process only
// and each child gets exactly one signal from it (the server takes a second one as "exit now").
const childOptions = {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: childEnv,
  detached: true,
}
const child = spawn(process.execPath, serverArgs, childOptions)
const scheduler = spawn(process.execPath, ['ace', 'scheduler:run'], childOptions)

/** A stand-in in its own process (quiet: its errors only); null when they are off. */
function standIn(file, args) {
  if (!withStandIns) return null
  const process_ = spawn(
    process.execPath,
    ['--import=ts-node-maintained/register/esm', `stand_ins/${file}`, ...args],
    { ...childOptions, stdio: ['ignore', 'ignore', 'inherit'] }
  )
  process_.on('exit', (code) => {
    if (!stopping && code) say(`The simulated provider stand_ins/${file} stopped (exit ${code}).`)
  })
  return process_
}
const standIns = [
  standIn('smtp.ts', [
    `--port=${smtpPort}`,
    `--http-port=${inboxPort}`,
    ...(demoBounces ? [`--bounce=${bouncingAddress}`, `--dsn-relay=127.0.0.1:${bouncePort}`] : []),
  ]),
  standIn('whatsapp_cloud_api.ts', [`--port=${whatsappPort}`]),
  demoRazorpay &&
    standIn('razorpay.ts', [
      `--port=${razorpayPort}`,
      `--key-id=${setting('RAZORPAY_KEY_ID', '')}`,
      `--key-secret=${setting('RAZORPAY_KEY_SECRET', '')}`,
      `--webhook-url=${url}/webhooks/razorpay`,
      `--webhook-secret=${setting('RAZORPAY_WEBHOOK_SECRET', '')}`,
    ]),
].filter(Boolean)
const stopStandIns = (signal) => {
  for (const process_ of standIns) if (running(process_)) process_.kill(signal)
}

/** The server's grace (SHUTDOWN_TIMEOUT_MS, config/shutdown.ts) and its 1.5 s to close, plus a margin. */
const STOP_CEILING_MS = Number(setting('SHUTDOWN_TIMEOUT_MS', '8000')) + 3000
const running = (process_) => process_.exitCode === null && process_.signalCode === null
const exitCodeOf = (code, signal) => code ?? (signal ? 128 + (osConstants.signals[signal] ?? 1) : 1)

let exited = false
let timedOut = false
let stopping = false
let serverExit = null
let firstSignalAt = 0

/** Stops both children (the one already gone is skipped); past the ceiling they are killed. */
function stopChildren(signal) {
  stopStandIns('SIGTERM')
  if (running(scheduler)) scheduler.kill('SIGTERM')
  if (running(child)) child.kill(dev ? 'SIGINT' : signal)
  setTimeout(() => {
    for (const process_ of [child, scheduler]) if (running(process_)) process_.kill('SIGKILL')
    stopStandIns('SIGKILL')
    say(`\nStill running ${STOP_CEILING_MS / 1000} s after ${signal}; killed.`)
    process.exit(1)
  }, STOP_CEILING_MS).unref()
}

/** Exits once both children have: with the server's code, or 1 after a failed start. */
function exitWhenBothDone() {
  if (serverExit === null || running(scheduler)) return
  // The stand-ins lead process groups of their own: they would outlive this process.
  stopStandIns('SIGKILL')
  process.exit(timedOut ? 1 : serverExit)
}

child.on('exit', (code, signal) => {
  exited = true
  serverExit = exitCodeOf(code, signal)
  if (!stopping) {
    stopping = true
    stopChildren('SIGTERM')
  }
  // A SIGTERM that reaches the scheduler while it boots is lost (its app terminates before the
  // schedule starts, which then runs on): once the server is gone it gets two seconds. Its
  // commands write in transactions and are safe to run again, so a kill loses nothing.
  setTimeout(() => {
    if (!running(scheduler)) return
    say('The scheduler did not stop; killed.')
    scheduler.kill('SIGKILL')
  }, 2000).unref()
  exitWhenBothDone()
})
scheduler.on('exit', (code, signal) => {
  if (!stopping && !exited) {
    say(`\nThe scheduler stopped (${signal ?? `exit ${code}`}); stopping the server.`)
    stopping = true
    stopChildren('SIGTERM')
  }
  exitWhenBothDone()
})
// `ace serve` stops its watcher and server only on SIGINT (its SIGTERM handler
// just terminates the ace app), so the dev server always gets SIGINT. The
// scheduler terminates its ace app on SIGTERM. A closed terminal (SIGHUP)
// stops them too. One Ctrl+C can arrive twice (from the terminal and from
// npm, which forwards signals to its script): a signal within a second of
// the first is that same stop; a later one kills both children at once.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    const forwarded = signal === 'SIGHUP' ? 'SIGTERM' : signal
    if (!stopping) {
      stopping = true
      firstSignalAt = Date.now()
      stopChildren(forwarded)
      return
    }
    if (firstSignalAt === 0 || Date.now() - firstSignalAt < 1000) return
    say(`\n${signal} again: stopping now.`)
    for (const process_ of [child, scheduler]) if (running(process_)) process_.kill('SIGKILL')
    stopStandIns('SIGKILL')
    process.exit(exitCodeOf(null, signal))
  })
}

const deadline = Date.now() + HEALTH_TIMEOUT_MS
while (!exited && !(await healthy(`${url}/healthz`))) {
  if (Date.now() > deadline) {
    say(
      `\nThe server did not answer ${url}/healthz within ${HEALTH_TIMEOUT_MS / 1000} s; stopping it.`
    )
    timedOut = true
    child.kill('SIGTERM')
    break
  }
  await new Promise((resolve) => setTimeout(resolve, 250))
}

if (!exited && !timedOut) {
  const password = setting('DEMO_OWNER_PASSWORD', '')
  say('')
  say('  ────────────────────────────────────────────────')
  say(`  Authentix is running at ${url}`)
  if (nodeEnv === 'development' && password) {
    say(`  Demo login: owner@demo.test / ${password}`)
    say('  (admin@demo.test and member@demo.test use the same password)')
  }
  if (withStandIns) {
    // Meta's "configure webhook" step for the simulated WhatsApp: its statuses come back here.
    spawn(process.execPath, ['ace', 'demo:webhooks'], {
      cwd: root,
      env: childEnv,
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    say(`  Simulated mail inbox: http://localhost:${inboxPort}`)
    say(`  (the demo org sends mail and WhatsApp to simulated providers; Settings → Delivery)`)
    if (demoBounces) say(`  (mail to ${bouncingAddress} bounces back: the bounce mailbox at work)`)
    if (demoRazorpay) {
      say(`  Simulated Razorpay on port ${razorpayPort}: invoices are paid on its fake Checkout,`)
      say('  no money moves; its webhooks come back here')
    }
  }
  say(dev ? '  Watching for changes. Press Ctrl+C to stop.' : '  Press Ctrl+C to stop.')
  say('  ────────────────────────────────────────────────')
  say('')
}
