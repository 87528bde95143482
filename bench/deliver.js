/*
| Sending certificates: BENCH_MESSAGES (10,000) certificates issued, then
| a delivery of them by email, each with its PDF attached, through an SMTP
| integration (throttle raised for the bench) to the SMTP stand-in running
| as a process of its own, by the queue worker `npm start` runs. On SQLite
| and, when PG_HOST/DATABASE_URL answers, PostgreSQL.
|
| One JSON line per engine and channel: messages sent, msgs/s (StartDelivery
| to the delivery completed), p99 from enqueued to received at the stand-in,
| peak RSS, event-loop p99 of the sending process.
|
|   npm run bench -- deliver [--messages=10000] [--engines=sqlite,postgres] [--source]
|
|   targets: email ≥ 300 msg/s, WhatsApp ≥ 500 msg/s, event-loop p99 ≤ 50 ms, RSS ≤ 600 MB
*/
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
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

const MESSAGES = Number(option('messages', 10_000))
const SMTP_PORT = 3397
const SMTP_HTTP_PORT = 3398
const app = benchApp()

function listening(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

async function startStandIn() {
  const child = spawn(
    process.execPath,
    [
      '--import=ts-node-maintained/register/esm',
      'stand_ins/smtp.ts',
      `--port=${SMTP_PORT}`,
      `--http-port=${SMTP_HTTP_PORT}`,
    ],
    { cwd: root, stdio: 'ignore' }
  )
  for (let i = 0; i < 200 && !(await listening(SMTP_HTTP_PORT)); i++)
    await new Promise((resolve) => setTimeout(resolve, 100))
  return child
}

await withWorkFolder('deliver', (work) =>
  onEngines(engines(), work, async (engine, databaseEnv) => {
    const standIn = await startStandIn()
    try {
      const env = {
        ...appEnv({ work, engine, port: 3396 }),
        QUEUE_WORKER: 'off',
        OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
        DELIVERY_SECRETS_KEY: `k1:${randomBytes(32).toString('base64url')}`,
        BENCH_ENGINE: engine,
        BENCH_MESSAGES: String(MESSAGES),
        BENCH_SMTP_PORT: String(SMTP_PORT),
        BENCH_SMTP_HTTP_PORT: String(SMTP_HTTP_PORT),
        ...databaseEnv,
      }
      app.migrate(env)
      for (const line of app.run('_deliver_run', env, { label: `deliver ${engine}` }))
        console.log(JSON.stringify({ ...line, mode: app.mode, machine: machine() }))
    } finally {
      standIn.kill()
    }
  })
)
