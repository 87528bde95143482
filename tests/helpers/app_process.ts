import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import app from '@adonisjs/core/services/app'

/**
 * A second Authentix, in its own process, database and settings: for tests
 * of configurations the in-process test server does not run (another
 * storage disk). It is migrated, seeded with reference data, and can run
 * ace commands against its own database.
 */
export interface AppProcess {
  url: string
  env: Record<string, string>
  ace(...args: string[]): string
  stop(): Promise<void>
}

async function freePort() {
  return new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export async function startAppProcess(extraEnv: Record<string, string>): Promise<AppProcess> {
  const root = app.makePath()
  const port = await freePort()
  const id = randomBytes(4).toString('hex')
  const sqlite = join(root, 'tmp', `app-process-${id}.sqlite3`)
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'silent',
    DB_CONNECTION: 'sqlite',
    SQLITE_PATH: sqlite,
    STORAGE_PATH: join(root, 'tmp', `app-process-storage-${id}`),
    ...extraEnv,
  }
  const ace = (...args: string[]) => {
    const result = spawnSync(process.execPath, ['ace', ...args], {
      cwd: root,
      env,
      encoding: 'utf8',
    })
    if (result.status !== 0)
      throw new Error(`node ace ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`)
    return result.stdout
  }
  ace('migration:run', '--force')
  ace('db:seed')
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'ts-node-maintained/register/esm', 'bin/server.ts'],
    { cwd: root, env, stdio: 'ignore' }
  )
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 300; i++) {
    try {
      const health = await fetch(`${url}/healthz`)
      if (health.ok) break
    } catch {}
    if (child.exitCode !== null) throw new Error('the app process exited during start-up')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url,
    env,
    ace,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await new Promise((resolve) => child.once('exit', resolve))
      }
      for (const suffix of ['', '-wal', '-shm']) rmSync(sqlite + suffix, { force: true })
      rmSync(env.STORAGE_PATH, { recursive: true, force: true })
    },
  }
}
