import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { type Socket, connect, createServer } from 'node:net'
import app from '@adonisjs/core/services/app'

/*
| Real processes of the app, for the tests of how it starts and stops
| (tests/functional/core/graceful_stop.spec.ts, web_cluster.spec.ts): the
| server as `npm start` runs it, and ace commands, on the test database.
| No timing is asserted; each wait has a generous ceiling that only a
| process that never gets there reaches.
*/

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A TCP port nobody listens on right now. */
export async function freePort() {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const port = (probe.address() as { port: number }).port
  await new Promise((resolve) => probe.close(resolve))
  return port
}

export interface Spawned {
  child: ChildProcess
  output: () => string
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export function spawned(args: string[], env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, args, {
    cwd: app.makePath(),
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (data) => (output += data))
  child.stderr!.on('data', (data) => (output += data))
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // 'close', not 'exit': the process's last output has been read by then.
    child.once('close', (code, signal) => resolve({ code, signal }))
  )
  return { child, output: () => output, exit }
}

/** The web process exactly as `npm start` runs it (bin/server.ts through the TypeScript loader). */
export function server(port: number, env: Record<string, string> = {}) {
  return spawned(['--import=ts-node-maintained/register/esm', 'bin/server.ts'], {
    HOST: '127.0.0.1',
    PORT: String(port),
    ...env,
  })
}

/** `check` until it returns something truthy, or `what` fails the test after `ceilingMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, ceilingMs = 120_000) {
  const started = Date.now()
  while (Date.now() - started < ceilingMs) {
    const value = await check()
    if (value) return value
    await sleep(50)
  }
  throw new Error(`gave up waiting: ${what}`)
}

export async function healthy(port: number, web: Spawned) {
  await waitFor('the server to answer /healthz', async () => {
    if (web.child.exitCode !== null)
      throw new Error(`the server exited while starting:\n${web.output()}`)
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`)
      return response.ok
    } catch {
      return false
    }
  })
}

/** The exit of a process, or a failure naming it after `ceilingMs`. */
export async function exitOf(spawnedProcess: Spawned, ceilingMs = 60_000) {
  const exit = await Promise.race([spawnedProcess.exit, sleep(ceilingMs).then(() => null)])
  if (!exit)
    throw new Error(`still running after ${ceilingMs / 1000} s:\n${spawnedProcess.output()}`)
  return exit
}

/** A raw HTTP connection: what it received, and whether the server has closed it. */
export function connection(port: number) {
  const socket: Socket = connect(port, '127.0.0.1')
  const state = { received: '', closed: false, error: null as string | null }
  socket.on('data', (data) => (state.received += data.toString('latin1')))
  socket.on('error', (error: NodeJS.ErrnoException) => (state.error = error.code ?? error.message))
  socket.on('close', () => (state.closed = true))
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  return { socket, state, connected }
}

/** Whether a new connection to `port` is refused now. */
export function refused(port: number) {
  return new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'))
  })
}

/** The processes whose parent is `pid` (Linux: /proc/<pid>/task/<tid>/children); none once it is gone. */
export function childrenOf(pid: number) {
  const children: number[] = []
  let tasks: string[] = []
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {
    return children
  }
  for (const task of tasks) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
    children.push(...text.split(' ').filter(Boolean).map(Number))
  }
  return children
}

/**
 * The processes a test group starts: `started(spawned(…))` records one,
 * `stopStarted()` (a teardown) kills whatever of them still runs, with the
 * processes they started (a cluster's web processes), and waits for each.
 */
export function startedProcesses() {
  const processes: Spawned[] = []
  return {
    started(spawnedProcess: Spawned) {
      processes.push(spawnedProcess)
      return spawnedProcess
    },
    async stopStarted() {
      for (const spawnedProcess of processes.splice(0)) {
        const { child } = spawnedProcess
        if (child.exitCode === null && child.signalCode === null) {
          for (const pid of childrenOf(child.pid!)) process.kill(pid, 'SIGKILL')
          child.kill('SIGKILL')
        }
        await spawnedProcess.exit
      }
    },
  }
}
