/*
| HTTP throughput and latency of the real app stack (all middleware, SQLite,
| database sessions): GET /healthz, the login page, and the dashboard of a
| signed-in owner. Starts its own server on a throwaway database.
|
|   npm run bench -- http [--requests=2000] [--concurrency=10]
*/
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { machine } from './_machine.js'

const root = new URL('..', import.meta.url).pathname
const option = (name, fallback) => {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  return arg ? Number(arg.split('=')[1]) : fallback
}
const REQUESTS = option('requests', 2000)
const CONCURRENCY = option('concurrency', 10)
const PORT = option('port', 3390)
const base = `http://127.0.0.1:${PORT}`

mkdirSync(join(root, 'tmp'), { recursive: true })
const dbFile = join(root, 'tmp', `bench-http-${process.pid}.sqlite3`)
const password = `bench-${randomBytes(9).toString('base64url')}`
const env = {
  ...process.env,
  NODE_ENV: 'development',
  HOST: '127.0.0.1',
  PORT: String(PORT),
  APP_KEY: randomBytes(32).toString('base64url'),
  APP_URL: base,
  LOG_LEVEL: 'silent',
  DB_CONNECTION: 'sqlite',
  SQLITE_PATH: dbFile,
  SESSION_DRIVER: 'database',
  LIMITER_STORE: 'database',
  DRIVE_DISK: 'fs',
  STORAGE_PATH: join(root, 'tmp', `bench-storage-${process.pid}`),
  DEMO_OWNER_PASSWORD: password,
}

function ace(...args) {
  const result = spawnSync(process.execPath, ['ace', ...args], { cwd: root, env, encoding: 'utf8' })
  if (result.status !== 0)
    throw new Error(`node ace ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`)
}

function cleanup() {
  for (const suffix of ['', '-wal', '-shm']) rmSync(dbFile + suffix, { force: true })
  rmSync(env.STORAGE_PATH, { recursive: true, force: true })
}

async function waitForServer() {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return
    } catch {}
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('server did not start')
}

function cookieHeader(response, jar = new Map()) {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';')
    const at = pair.indexOf('=')
    jar.set(pair.slice(0, at), pair.slice(at + 1))
  }
  return jar
}
const serialize = (jar) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ')

async function signIn() {
  const page = await fetch(`${base}/login`)
  const jar = cookieHeader(page)
  const token = /name='_csrf' value='([^']+)'/.exec(await page.text())?.[1]
  const response = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'cookie': serialize(jar) },
    body: new URLSearchParams({ _csrf: token, email: 'owner@demo.test', password }),
  })
  if (response.status !== 302 || !response.headers.get('location')?.endsWith('/dashboard')) {
    throw new Error(`login failed: ${response.status}`)
  }
  return serialize(cookieHeader(response, jar))
}

async function measure(path, headers = {}) {
  const latencies = []
  let next = 0
  let failures = 0
  const started = performance.now()
  async function worker() {
    while (next < REQUESTS) {
      next += 1
      const t0 = performance.now()
      const response = await fetch(`${base}${path}`, { headers, redirect: 'manual' })
      await response.arrayBuffer()
      if (response.status !== 200) failures += 1
      latencies.push(performance.now() - t0)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const at = (q) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 100) /
    100
  return {
    requests: latencies.length,
    failures,
    rps: Math.round(latencies.length / seconds),
    p50_ms: at(0.5),
    p95_ms: at(0.95),
    p99_ms: at(0.99),
  }
}

cleanup()
ace('migration:run', '--force')
ace('db:seed')
const server = spawn(
  process.execPath,
  ['--import=ts-node-maintained/register/esm', 'bin/server.ts'],
  { cwd: root, env, stdio: 'ignore' }
)
try {
  await waitForServer()
  const cookie = await signIn()
  await measure('/healthz') // warm-up: JIT and view compilation
  const results = {
    healthz: await measure('/healthz'),
    login_page: await measure('/login'),
    dashboard_signed_in: await measure('/dashboard', { cookie }),
  }
  console.log(
    JSON.stringify({
      bench: 'http',
      requests: REQUESTS,
      concurrency: CONCURRENCY,
      results,
      machine: machine(),
    })
  )
} finally {
  server.kill('SIGTERM')
  await new Promise((r) => server.once('exit', r))
  cleanup()
}
